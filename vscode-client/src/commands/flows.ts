/** The flows as one another sees them: a flow that offers another (e.g. "Login" on a
 * not-logged-in error) calls it through this, whoever implements it (`Commands`). */
export interface Flows {
  login(options?: { profile?: string }): Promise<unknown>;
  logout(): Promise<unknown>;
  showCallerIdentity(): Promise<unknown>;
  switchProfile(): Promise<unknown>;
  showStatus(): Promise<unknown>;
}
