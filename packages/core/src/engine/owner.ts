import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who holds a lock or a claim: `host:pid:random[:label]`. Host and pid let another process on the same
 * host see at once that the holder died (its claims and lock are then taken over without waiting for
 * the lease); a holder on another host is trusted until its lease expires.
 */
export function ownerId(label?: string): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}${label ? `:${label}` : ''}`;
}

/** True when `owner` names a process of this host that no longer exists. */
export function isDeadOnThisHost(owner: string): boolean {
  const { pid, alive } = describeOwner(owner);
  return alive === false && pid !== process.pid;
}

export interface OwnerInfo {
  readonly host: string;
  readonly pid: number | undefined;
  /** Whether the process exists: known only on this host (undefined on another host). */
  readonly alive: boolean | undefined;
}

/** What an owner id (`host:pid:…`) says, and whether its process is alive when that can be checked (this host). */
export function describeOwner(owner: string): OwnerInfo {
  const [host = '', pidText] = owner.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return { host, pid: undefined, alive: undefined };
  if (host !== hostname()) return { host, pid, alive: undefined };
  if (pid === process.pid) return { host, pid, alive: true };
  try {
    process.kill(pid, 0);
    return { host, pid, alive: true };
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return { host, pid, alive: (error as NodeJS.ErrnoException).code !== 'ESRCH' };
  }
}
