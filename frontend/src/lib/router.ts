// Hash routing: the page itself is always "/" (or wails://wails/), the route
// lives after "#", so it works in the desktop window and in any browser
// without the server knowing about routes.

export const steps = ['images', 'annotate', 'train', 'monitor', 'results'] as const;
export type Step = (typeof steps)[number];

export type Route =
  | { name: 'projects' }
  | { name: 'users' }
  | { name: 'project'; id: number; step: Step }
  | { name: 'image'; id: number; imageId: number; prediction?: string }
  | { name: 'tile'; id: number; tileId: number }
  | { name: 'job'; id: number; jobId: string }
  | { name: 'compare'; id: number; jobIds: string[] }
  | { name: 'result'; id: number; jobId: string }
  | { name: 'not_found'; path: string };

function isStep(s: string): s is Step {
  return (steps as readonly string[]).includes(s);
}

/** Reads a location hash ("#/projects/3/train", "", "#") into a route. */
export function parseRoute(hash: string): Route {
  let path = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = path.indexOf('?');
  if (q >= 0) path = path.slice(0, q);
  let parts: string[];
  try {
    parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  } catch {
    return { name: 'not_found', path };
  }

  if (parts.length === 0) return { name: 'projects' };
  if (parts[0] === 'users' && parts.length === 1) return { name: 'users' };
  if (parts[0] !== 'projects') return { name: 'not_found', path };
  if (parts.length === 1) return { name: 'projects' };

  const id = parseId(parts[1]);
  if (id === null) return { name: 'not_found', path };

  if (parts.length === 2) return { name: 'project', id, step: 'images' };
  const step = parts[2] ?? '';
  if (parts.length === 3 && isStep(step)) return { name: 'project', id, step };
  if (parts.length === 4) {
    const sub = parseId(parts[3]);
    if (sub !== null && step === 'images') return { name: 'image', id, imageId: sub };
    if (sub !== null && step === 'tiles') return { name: 'tile', id, tileId: sub };
    const key = parts[3] ?? '';
    if (step === 'jobs' && isJobId(key)) return { name: 'job', id, jobId: key };
    if (step === 'results' && isJobId(key)) return { name: 'result', id, jobId: key };
    if (step === 'compare') {
      const jobIds = key.split(',');
      if (jobIds.length > 0 && jobIds.every(isJobId)) return { name: 'compare', id, jobIds };
    }
  }
  if (parts.length === 6 && step === 'images' && parts[4] === 'predictions') {
    const sub = parseId(parts[3]);
    const job = parts[5] ?? '';
    if (sub !== null && isJobId(job)) return { name: 'image', id, imageId: sub, prediction: job };
  }
  return { name: 'not_found', path };
}

/** A job's id: a UUID, or any short token of letters, digits, - and _. */
export function isJobId(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(text);
}

/** A database id: a positive integer without leading zeros; else null. */
function parseId(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** The project step a route belongs to (an image's viewer is under Images, the tile editor under Annotate). */
export function stepOf(route: Route): Step | null {
  switch (route.name) {
    case 'project':
      return route.step;
    case 'image':
      return 'images';
    case 'tile':
      return 'annotate';
    case 'job':
    case 'compare':
      return 'monitor';
    case 'result':
      return 'results';
    default:
      return null;
  }
}

/** The project a route is inside of, or null. */
export function projectOf(route: Route): number | null {
  return route.name === 'projects' || route.name === 'users' || route.name === 'not_found' ? null : route.id;
}

/** The hash ("#/…") that shows a route. */
export function href(route: Route): string {
  switch (route.name) {
    case 'projects':
      return '#/projects';
    case 'users':
      return '#/users';
    case 'project':
      return `#/projects/${route.id}/${route.step}`;
    case 'image':
      return `#/projects/${route.id}/images/${route.imageId}` + (route.prediction ? `/predictions/${encodeURIComponent(route.prediction)}` : '');
    case 'tile':
      return `#/projects/${route.id}/tiles/${route.tileId}`;
    case 'job':
      return `#/projects/${route.id}/jobs/${encodeURIComponent(route.jobId)}`;
    case 'compare':
      return `#/projects/${route.id}/compare/${route.jobIds.map(encodeURIComponent).join(',')}`;
    case 'result':
      return `#/projects/${route.id}/results/${encodeURIComponent(route.jobId)}`;
    case 'not_found':
      return '#' + (route.path.startsWith('/') ? route.path : '/' + route.path);
  }
}

/**
 * The hash a route should be shown under when the given one is an alias
 * ("" → "#/projects", "#/projects/3" → "#/projects/3/images"), else null.
 */
export function canonicalHash(hash: string): string | null {
  const route = parseRoute(hash);
  if (route.name === 'not_found') return null;
  const want = href(route);
  return want === hash ? null : want;
}
