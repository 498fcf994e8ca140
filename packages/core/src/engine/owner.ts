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
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
