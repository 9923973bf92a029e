// The projects list every view shares: loaded once, kept current by the
// caller's own changes and by live events from other users.
import { errorMessage, type Client, type LiveEvent, type Project, type ProjectInput, type ProjectUpdate } from '../lib/api';

function byName(a: Project, b: Project): number {
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id - b.id;
}

export class ProjectsStore {
  projects = $state<Project[]>([]);
  loaded = $state(false);
  loading = $state(false);
  /** Why the last load failed, or null. */
  error = $state<string | null>(null);

  private readonly api: Client;
  private pending = false;

  constructor(api: Client) {
    this.api = api;
  }

  byId(id: number): Project | undefined {
    return this.projects.find((p) => p.id === id);
  }

  /** Fetches the list; true when it succeeded. Concurrent calls coalesce. */
  async load(): Promise<boolean> {
    if (this.loading) {
      this.pending = true;
      return false;
    }
    this.loading = true;
    let ok = false;
    try {
      const list = await this.api.listProjects();
      this.projects = [...list].sort(byName);
      this.loaded = true;
      this.error = null;
      ok = true;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
    if (this.pending) {
      this.pending = false;
      return this.load();
    }
    return ok;
  }

  /** Applies a live event: project changes re-read the list. */
  handleEvent(ev: LiveEvent): void {
    if (!ev.type.startsWith('project.')) return;
    if (ev.type === 'project.deleted' && ev.project_id !== undefined) {
      this.drop(ev.project_id);
    }
    void this.load();
  }

  async create(input: ProjectInput): Promise<Project> {
    const p = await this.api.createProject(input);
    this.upsert(p);
    return p;
  }

  async update(id: number, upd: ProjectUpdate): Promise<Project> {
    const p = await this.api.updateProject(id, upd);
    this.upsert(p);
    return p;
  }

  async remove(id: number): Promise<void> {
    await this.api.deleteProject(id);
    this.drop(id);
  }

  private upsert(p: Project): void {
    this.projects = [...this.projects.filter((x) => x.id !== p.id), p].sort(byName);
  }

  private drop(id: number): void {
    this.projects = this.projects.filter((x) => x.id !== id);
  }
}
