// The places a run can go: each worker, and "any worker" of a pool that
// has several. A target is written as the API's job target: "worker:NAME"
// or "pool:POOL".
import type { TrainerInfo, Worker } from '../lib/api.training';

export interface Target {
  key: string;
  kind: 'worker' | 'pool';
  name: string;
  label: string;
  trainers: TrainerInfo[];
  state: Worker['state'];
  worker?: Worker;
}

export function targets(workers: readonly Worker[]): Target[] {
  const out: Target[] = workers.map((w) => ({
    key: `worker:${w.name}`,
    kind: 'worker',
    name: w.name,
    label: w.name,
    trainers: w.trainers,
    state: w.state,
    worker: w,
  }));
  const pools = new Map<string, Worker[]>();
  for (const w of workers) if (w.pool) pools.set(w.pool, [...(pools.get(w.pool) ?? []), w]);
  for (const [pool, ws] of pools) {
    if (ws.length < 2) continue;
    const live = ws.filter((w) => w.state !== 'offline');
    const first = live[0] ?? ws[0]!;
    // A trainer every worker of the pool offers.
    const trainers = first.trainers.filter((t) => ws.every((w) => w.trainers.some((x) => x.name === t.name)));
    out.push({
      key: `pool:${pool}`,
      kind: 'pool',
      name: pool,
      label: `Any worker of pool ${pool}`,
      trainers,
      state: live.some((w) => w.state === 'online') ? 'online' : live.length > 0 ? 'busy' : 'offline',
    });
  }
  return out;
}

/** The target chosen first: an idle worker with trainers, else any with trainers. */
export function defaultTarget(list: readonly Target[]): Target | undefined {
  const usable = list.filter((t) => t.trainers.length > 0 && t.kind === 'worker');
  return usable.find((t) => t.state === 'online') ?? usable.find((t) => t.state === 'busy') ?? usable[0];
}

/** "8 CPU cores · 32 GB memory · NVIDIA A100 (40 GB)". */
export function hardwareText(w: Worker): string {
  const h = w.hardware;
  const parts: string[] = [];
  if (h.cpu_cores > 0) parts.push(`${h.cpu_cores} CPU ${h.cpu_cores === 1 ? 'core' : 'cores'}`);
  if (h.memory_mb > 0) parts.push(`${gb(h.memory_mb)} memory`);
  if (h.gpu_name) {
    const count = h.gpu_count > 1 ? `${h.gpu_count} × ` : '';
    parts.push(`${count}${h.gpu_name}${h.gpu_memory_mb > 0 ? ` (${gb(h.gpu_memory_mb)})` : ''}`);
  } else {
    parts.push('no GPU');
  }
  return parts.join(' · ');
}

function gb(mb: number): string {
  const g = mb / 1024;
  return g >= 10 ? `${Math.round(g)} GB` : `${g.toFixed(1)} GB`;
}

export const stateLabel: Record<Worker['state'], string> = { online: 'Online', busy: 'Busy', offline: 'Offline' };
