import type { Db } from '../db.js';

/** A chat session as listed to clients. */
export interface ChatSessionRow { key: string; label: string; model: string | null; created_at: number; updated_at: number }
/** One stored message; `content` is JSON (an AI SDK ModelMessage's content). */
export interface ChatMessageRow { id: number; session_key: string; run_id: string | null; role: 'user' | 'assistant' | 'tool'; content: string; input_tokens: number | null; output_tokens: number | null; created_at: number }

/** The label of a session nobody has titled yet; its first message titles it. */
export const UNTITLED_SESSION = 'New session';

/** Where a page of sessions starts: after this (updated_at, key) in newest-first order. */
export interface SessionCursor { updatedAt: number; key: string }

/** Repository for chat sessions and their messages. */
export function createChatSessionsRepo(db: Db) {
  const q = {
    list: db.prepare('SELECT * FROM chat_sessions ORDER BY updated_at DESC, key ASC LIMIT ?'),
    // Keyset paging, newest first; `search` matches the label (case-insensitive for ASCII); an
    // excluded key prefix is filtered in SQL so a page is never short because of it.
    page: db.prepare(`SELECT * FROM chat_sessions
      WHERE (@cursorAt IS NULL OR updated_at < @cursorAt OR (updated_at = @cursorAt AND key > @cursorKey))
        AND (@search IS NULL OR label LIKE @search ESCAPE '\\')
        AND (@exclude IS NULL OR substr(key, 1, length(@exclude)) <> @exclude)
      ORDER BY updated_at DESC, key ASC LIMIT @limit`),
    title: db.prepare('UPDATE chat_sessions SET label = ?, updated_at = ? WHERE key = ? AND label = ?'),
    get: db.prepare('SELECT * FROM chat_sessions WHERE key = ?'),
    insert: db.prepare('INSERT INTO chat_sessions (key, label, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
    rename: db.prepare('UPDATE chat_sessions SET label = ?, updated_at = ? WHERE key = ?'),
    setModel: db.prepare('UPDATE chat_sessions SET model = ?, updated_at = ? WHERE key = ?'),
    touch: db.prepare('UPDATE chat_sessions SET updated_at = ? WHERE key = ?'),
    delete: db.prepare('DELETE FROM chat_sessions WHERE key = ?'),
    insertMessage: db.prepare('INSERT INTO chat_messages (session_key, run_id, role, content, input_tokens, output_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    // The newest `limit` messages, returned oldest first.
    messages: db.prepare('SELECT * FROM (SELECT * FROM chat_messages WHERE session_key = ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC'),
  };
  return {
    list: (limit = 500): ChatSessionRow[] => q.list.all(limit) as ChatSessionRow[],
    /** One page of sessions (newest first) after `cursor`, optionally searched by label. */
    page: (o: { limit: number; cursor?: SessionCursor; search?: string; excludePrefix?: string }): ChatSessionRow[] =>
      q.page.all({
        cursorAt: o.cursor?.updatedAt ?? null, cursorKey: o.cursor?.key ?? '',
        search: o.search ? `%${o.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
        exclude: o.excludePrefix ?? null, limit: o.limit,
      }) as ChatSessionRow[],
    /** Titles a session that still has the untitled label; false when it had a title already. */
    titleIfUntitled: (key: string, label: string, now: number): boolean => q.title.run(label, now, key, UNTITLED_SESSION).changes > 0,
    get: (key: string): ChatSessionRow | undefined => q.get.get(key) as ChatSessionRow | undefined,
    create: (s: { key: string; label: string; now: number; model?: string | null }): ChatSessionRow => {
      q.insert.run(s.key, s.label, s.model ?? null, s.now, s.now);
      return { key: s.key, label: s.label, model: s.model ?? null, created_at: s.now, updated_at: s.now };
    },
    rename: (key: string, label: string, now: number): boolean => q.rename.run(label, now, key).changes > 0,
    setModel: (key: string, model: string | null, now: number): boolean => q.setModel.run(model, now, key).changes > 0,
    /** Deletes the session and (by cascade) its messages. */
    delete: (key: string): boolean => q.delete.run(key).changes > 0,
    /** Appends messages of one run atomically and bumps the session. */
    appendMessages: db.transaction((key: string, rows: Array<{ runId: string | null; role: ChatMessageRow['role']; content: unknown; inputTokens?: number | null; outputTokens?: number | null }>, now: number): void => {
      for (const r of rows) q.insertMessage.run(key, r.runId, r.role, JSON.stringify(r.content), r.inputTokens ?? null, r.outputTokens ?? null, now);
      q.touch.run(now, key);
    }),
    messages: (key: string, limit: number): ChatMessageRow[] => q.messages.all(key, limit) as ChatMessageRow[],
  };
}
export type ChatSessionsRepo = ReturnType<typeof createChatSessionsRepo>;
