import type { Db } from '../db.js';

/** A chat session as listed to clients. */
export interface ChatSessionRow { key: string; label: string; created_at: number; updated_at: number }

/** Repository for chat sessions (messages arrive with the agent capability). */
export function createChatSessionsRepo(db: Db) {
  const q = {
    list: db.prepare('SELECT * FROM chat_sessions ORDER BY updated_at DESC, key ASC LIMIT ?'),
    get: db.prepare('SELECT * FROM chat_sessions WHERE key = ?'),
    insert: db.prepare('INSERT INTO chat_sessions (key, label, created_at, updated_at) VALUES (?, ?, ?, ?)'),
  };
  return {
    list: (limit = 500): ChatSessionRow[] => q.list.all(limit) as ChatSessionRow[],
    get: (key: string): ChatSessionRow | undefined => q.get.get(key) as ChatSessionRow | undefined,
    create: (s: { key: string; label: string; now: number }): ChatSessionRow => {
      q.insert.run(s.key, s.label, s.now, s.now);
      return { key: s.key, label: s.label, created_at: s.now, updated_at: s.now };
    },
  };
}
export type ChatSessionsRepo = ReturnType<typeof createChatSessionsRepo>;
