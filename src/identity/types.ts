/** Data shapes of the identity capability (re-exported by index.ts). */

/** IDENTITY.md front matter: who the agent is. */
export interface AgentIdentity {
  name: string;
  emoji: string;
  creature: string;
  vibe: string;
}

/** USER.md front matter: who the owner is. Every field is optional. */
export interface UserProfile {
  name?: string;
  /** IANA zone name, e.g. `Europe/Paris`; localizes the time shown in the system prompt. */
  timezone?: string;
  /** BCP 47 tag, e.g. `fr-FR`. */
  locale?: string;
  pronouns?: string;
  /** Free text, may span lines. */
  notes?: string;
}

/** Everything read from the four files, with defaults filled in. */
export interface IdentityFiles {
  identity: AgentIdentity;
  /** IDENTITY.md text after the front matter, verbatim. */
  identityBody: string;
  user: UserProfile;
  /** USER.md text after the front matter, verbatim. */
  userBody: string;
  soul: string;
  tools: string;
  /** Content problems found while reading (bad YAML, wrong types, symlinks…); empty when clean. */
  warnings: string[];
}

/** A partial update; each present part rewrites exactly one file. */
export interface IdentityPatch {
  identity?: Partial<AgentIdentity>;
  /** An empty string removes that field from USER.md. */
  user?: Partial<UserProfile>;
  soul?: string;
  tools?: string;
}
