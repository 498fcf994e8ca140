/** What the sandbox CRM holds; exposed programmatically and as JSON for tests and demos. */

export interface SandboxClient {
  readonly crmId: string;
  readonly integrationId: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** How many upserts touched this client (1 = created, never updated). */
  readonly writes: number;
}

export interface SandboxState {
  readonly clients: readonly SandboxClient[];
  readonly requests: number;
  readonly requestsByOperation: Readonly<Record<string, number>>;
}
