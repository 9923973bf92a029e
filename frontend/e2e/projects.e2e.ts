// Browser test of the projects page against the real server binary:
// TESSERA_BIN serve on a random port with a fresh data folder, driven through
// Debian's chromium by playwright-core (no browser downloads).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, Harness } from './harness';

const h = new Harness();
const pageErrors = h.pageErrors;
const newPage = () => h.newPage();
const signIn = (page: Page) => h.signIn(page);

function projectItem(page: Page, name: string) {
  return page
    .getByRole('list', { name: 'Projects' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** After a reload: waits until the list (or its empty state) is drawn. */
async function projectsShown(page: Page): Promise<void> {
  await page.locator('.project-list, .empty').first().waitFor();
}

describe('projects in the browser', () => {
  beforeAll(() => h.start(), 60_000);
  afterAll(() => h.stop(), 30_000);

  it('signs in, creates, renames and deletes a project', async () => {
    const page = await newPage();
    await signIn(page);

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByText('admin', { exact: true }).waitFor();
    await nav.getByText('Admin', { exact: true }).waitFor();
    await nav.getByRole('button', { name: 'Sign out' }).waitFor();

    // The form says what is wrong before asking the server.
    const form = page.getByRole('form', { name: 'New project' });
    await form.getByRole('button', { name: 'Create project' }).click();
    await form.getByRole('alert').filter({ hasText: 'project name is required' }).waitFor();

    await form.getByLabel('Name').fill('Cells 101');
    await form.getByLabel('Description').fill('Nuclei of HeLa cells');
    await form.getByRole('button', { name: 'Create project' }).click();
    // A new project opens, ready for its images; the list has it.
    await page.waitForURL(/#\/projects\/\d+\/images$/);
    await page.getByRole('heading', { name: 'Import images' }).waitFor();
    await page.goto(`${h.baseUrl}/#/projects`);
    await projectItem(page, 'Cells 101').waitFor();

    await page.reload();
    await projectsShown(page);
    const item = projectItem(page, 'Cells 101');
    await item.waitFor();
    expect(await item.textContent()).toContain('Nuclei of HeLa cells');
    expect(await item.textContent()).toMatch(/Created \S/);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'projects.png'), fullPage: true });

    // A project opens on its Images step; the steps link to each other.
    await item.getByRole('link', { name: 'Cells 101' }).click();
    await page.waitForURL(/#\/projects\/\d+\/images$/);
    await page.getByRole('heading', { name: 'Import images' }).waitFor();
    await page.getByText('No images yet').waitFor();
    await page.getByRole('list', { name: 'Steps' }).getByRole('link', { name: /Train/ }).click();
    await page.waitForURL(/#\/projects\/\d+\/train$/);
    await page.getByRole('heading', { name: 'Train', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Where to train' }).waitFor();
    await nav.getByRole('link', { name: 'Projects', exact: true }).click();

    // Rename.
    await projectItem(page, 'Cells 101').getByRole('button', { name: 'Rename Cells 101' }).click();
    const edit = page.getByRole('form', { name: 'Edit project Cells 101' });
    await edit.getByLabel('Name').fill('Cells 102');
    await edit.getByRole('button', { name: 'Save' }).click();
    await projectItem(page, 'Cells 102').waitFor();
    await page.reload();
    await projectsShown(page);
    await projectItem(page, 'Cells 102').waitFor();
    expect(await projectItem(page, 'Cells 101').count()).toBe(0);

    // Delete, accepting the confirmation.
    await projectItem(page, 'Cells 102').getByRole('button', { name: 'Delete Cells 102' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Cells 102').waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await projectItem(page, 'Cells 102').waitFor({ state: 'detached' });
    await page.reload();
    await projectsShown(page);
    expect(await projectItem(page, 'Cells 102').count()).toBe(0);
    await page.getByText('No projects yet').waitFor();

    expect(pageErrors).toEqual([]);
  });

  it('shows projects created in another browser live', async () => {
    const alice = await newPage();
    const bob = await newPage();
    await signIn(alice);
    await signIn(bob);
    await projectsShown(bob);
    // Bob's event stream must be open before Alice acts, or he may miss it.
    await bob
      .locator('[data-live=on]')
      .waitFor({ timeout: 10_000 })
      .catch(() => {
        throw new Error('the page never opened GET /api/events (does the server flush the SSE headers at once?)');
      });

    const form = alice.getByRole('form', { name: 'New project' });
    await form.getByLabel('Name').fill('Live from Alice');
    await form.getByRole('button', { name: 'Create project' }).click();
    await alice.waitForURL(/#\/projects\/\d+\/images$/);
    await alice.goto(`${h.baseUrl}/#/projects`);
    await projectItem(alice, 'Live from Alice').waitFor();

    const urlBefore = bob.url();
    await projectItem(bob, 'Live from Alice').waitFor({ timeout: 10_000 });
    expect(bob.url()).toBe(urlBefore);

    // Deleting it shows live too.
    await projectItem(alice, 'Live from Alice').getByRole('button', { name: 'Delete Live from Alice' }).click();
    await alice.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await projectItem(bob, 'Live from Alice').waitFor({ state: 'detached', timeout: 10_000 });

    // Sign out brings the sign-in form back.
    await bob.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await bob.getByRole('button', { name: 'Sign in' }).waitFor();

    expect(pageErrors).toEqual([]);
  });
});
