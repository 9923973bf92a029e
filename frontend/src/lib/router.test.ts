import { describe, expect, it } from 'vitest';
import { canonicalHash, href, parseRoute, projectOf, stepOf, steps, type Route } from './router';

describe('parseRoute', () => {
  const cases: [string, Route][] = [
    ['', { name: 'projects' }],
    ['#', { name: 'projects' }],
    ['#/', { name: 'projects' }],
    ['#/projects', { name: 'projects' }],
    ['#/projects/', { name: 'projects' }],
    ['#/projects/3', { name: 'project', id: 3, step: 'images' }],
    ['#/projects/3/images', { name: 'project', id: 3, step: 'images' }],
    ['#/projects/3/annotate', { name: 'project', id: 3, step: 'annotate' }],
    ['#/projects/12/train', { name: 'project', id: 12, step: 'train' }],
    ['#/projects/12/monitor?x=1', { name: 'project', id: 12, step: 'monitor' }],
    ['#/projects/12/results', { name: 'project', id: 12, step: 'results' }],
    ['#/projects/0/images', { name: 'not_found', path: '/projects/0/images' }],
    ['#/projects/03/images', { name: 'not_found', path: '/projects/03/images' }],
    ['#/projects/abc', { name: 'not_found', path: '/projects/abc' }],
    ['#/projects/3/nope', { name: 'not_found', path: '/projects/3/nope' }],
    ['#/projects/3/images/x', { name: 'not_found', path: '/projects/3/images/x' }],
    ['#/projects/3/images/42', { name: 'image', id: 3, imageId: 42 }],
    ['#/projects/3/images/042', { name: 'not_found', path: '/projects/3/images/042' }],
    ['#/projects/3/images/42/x', { name: 'not_found', path: '/projects/3/images/42/x' }],
    ['#/projects/3/tiles/7', { name: 'tile', id: 3, tileId: 7 }],
    ['#/projects/3/tiles', { name: 'not_found', path: '/projects/3/tiles' }],
    ['#/projects/3/train/7', { name: 'not_found', path: '/projects/3/train/7' }],
    ['#/elsewhere', { name: 'not_found', path: '/elsewhere' }],
    ['#/users', { name: 'users' }],
    ['#/users/', { name: 'users' }],
    ['#/users/ada', { name: 'not_found', path: '/users/ada' }],
    ['#/projects/%E0%A4%A', { name: 'not_found', path: '/projects/%E0%A4%A' }],
  ];
  for (const [hash, want] of cases) {
    it(`reads ${JSON.stringify(hash)}`, () => {
      expect(parseRoute(hash)).toEqual(want);
    });
  }
});

describe('href', () => {
  it('round-trips every step', () => {
    for (const step of steps) {
      const r: Route = { name: 'project', id: 7, step };
      expect(href(r)).toBe(`#/projects/7/${step}`);
      expect(parseRoute(href(r))).toEqual(r);
    }
    expect(href({ name: 'projects' })).toBe('#/projects');
  });

  it('round-trips image and tile pages', () => {
    const image: Route = { name: 'image', id: 2, imageId: 9 };
    const tile: Route = { name: 'tile', id: 2, tileId: 81 };
    expect(href(image)).toBe('#/projects/2/images/9');
    expect(href(tile)).toBe('#/projects/2/tiles/81');
    expect(parseRoute(href(image))).toEqual(image);
    expect(parseRoute(href(tile))).toEqual(tile);
    expect(stepOf(image)).toBe('images');
    expect(stepOf(tile)).toBe('annotate');
    expect(stepOf({ name: 'project', id: 2, step: 'train' })).toBe('train');
    expect(stepOf({ name: 'projects' })).toBeNull();
  });

  it('round-trips the training pages', () => {
    const id = '71953ea5-6d97-4f3c-846a-bfd764cf3b99';
    const routes: [Route, string, string][] = [
      [{ name: 'job', id: 2, jobId: id }, `#/projects/2/jobs/${id}`, 'monitor'],
      [{ name: 'compare', id: 2, jobIds: [id, 'b6b1856a'] }, `#/projects/2/compare/${id},b6b1856a`, 'monitor'],
      [{ name: 'result', id: 2, jobId: id }, `#/projects/2/results/${id}`, 'results'],
      [{ name: 'image', id: 2, imageId: 9, prediction: id }, `#/projects/2/images/9/predictions/${id}`, 'images'],
    ];
    for (const [r, h, step] of routes) {
      expect(href(r)).toBe(h);
      expect(parseRoute(h)).toEqual(r);
      expect(stepOf(r)).toBe(step);
      expect(canonicalHash(h)).toBeNull();
      expect(projectOf(r)).toBe(2);
    }
    expect(parseRoute('#/projects/2/jobs/..').name).toBe('not_found');
    expect(parseRoute('#/projects/2/jobs').name).toBe('not_found');
    expect(parseRoute('#/projects/2/compare/a,,b').name).toBe('not_found');
    expect(parseRoute('#/projects/2/images/9/predictions').name).toBe('not_found');
    expect(parseRoute('#/projects/2/images/9/other/abc').name).toBe('not_found');
  });
});

describe('the users page', () => {
  it('is outside any project and has its own hash', () => {
    const r: Route = { name: 'users' };
    expect(href(r)).toBe('#/users');
    expect(parseRoute(href(r))).toEqual(r);
    expect(projectOf(r)).toBeNull();
    expect(stepOf(r)).toBeNull();
    expect(canonicalHash('#/users')).toBeNull();
    expect(canonicalHash('#/users/')).toBe('#/users');
  });
});

describe('canonicalHash', () => {
  it('rewrites aliases and leaves canonical hashes alone', () => {
    expect(canonicalHash('')).toBe('#/projects');
    expect(canonicalHash('#/')).toBe('#/projects');
    expect(canonicalHash('#/projects/3')).toBe('#/projects/3/images');
    expect(canonicalHash('#/projects')).toBeNull();
    expect(canonicalHash('#/projects/3/train')).toBeNull();
    expect(canonicalHash('#/nowhere')).toBeNull();
  });
});
