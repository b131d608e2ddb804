import type { Db } from '../db.js';

/** A runtime-added channel account; `config` is JSON of its non-secret settings. */
export interface ChannelAccountRow { type: string; account_id: string; config: string; created_at: number; updated_at: number }

/** A channel sender (or group chat) as stored. */
export interface ChannelSenderRow {
  type: string; account_id: string; sender_id: string; kind: 'user' | 'group';
  username: string | null; display_name: string; status: 'pending' | 'approved' | 'denied';
  level: 'read-only' | 'execute' | 'admin' | null; chat_id: string | null; chat_type: string | null;
  message_count: number; first_seen_at: number; last_seen_at: number; preview: string;
  notified: number; decided_at: number | null;
}

/** Repository for channel accounts and their senders. */
export function createChannelsRepo(db: Db) {
  const q = {
    accounts: db.prepare('SELECT * FROM channel_accounts ORDER BY type, account_id'),
    account: db.prepare('SELECT * FROM channel_accounts WHERE type = ? AND account_id = ?'),
    insertAccount: db.prepare('INSERT INTO channel_accounts (type, account_id, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
    updateAccount: db.prepare('UPDATE channel_accounts SET config = ?, updated_at = ? WHERE type = ? AND account_id = ?'),
    deleteAccount: db.prepare('DELETE FROM channel_accounts WHERE type = ? AND account_id = ?'),
    sender: db.prepare('SELECT * FROM channel_senders WHERE type = ? AND account_id = ? AND sender_id = ?'),
    senders: db.prepare(`SELECT * FROM channel_senders WHERE (@type IS NULL OR type = @type) AND (@account IS NULL OR account_id = @account)
      ORDER BY status = 'pending' DESC, last_seen_at DESC LIMIT @limit`),
    insertSender: db.prepare(`INSERT INTO channel_senders (type, account_id, sender_id, kind, username, display_name, status, level, chat_id, chat_type,
      message_count, first_seen_at, last_seen_at, preview, notified) VALUES (@type, @account_id, @sender_id, @kind, @username, @display_name, @status, @level,
      @chat_id, @chat_type, 1, @now, @now, @preview, 0)`),
    seen: db.prepare(`UPDATE channel_senders SET message_count = message_count + 1, last_seen_at = @now,
      username = COALESCE(@username, username), display_name = COALESCE(@display_name, display_name), chat_id = COALESCE(chat_id, @chat_id)
      WHERE type = @type AND account_id = @account_id AND sender_id = @sender_id`),
    decide: db.prepare(`UPDATE channel_senders SET status = @status, level = @level, decided_at = @now, notified = @notified
      WHERE type = @type AND account_id = @account_id AND sender_id = @sender_id`),
    setLevel: db.prepare('UPDATE channel_senders SET level = ? WHERE type = ? AND account_id = ? AND sender_id = ?'),
    notified: db.prepare('UPDATE channel_senders SET notified = 1 WHERE type = ? AND account_id = ? AND sender_id = ?'),
    pendingCount: db.prepare("SELECT COUNT(*) AS n FROM channel_senders WHERE type = ? AND account_id = ? AND status = 'pending'"),
    oldestPending: db.prepare("SELECT * FROM channel_senders WHERE type = ? AND account_id = ? AND status = 'pending' ORDER BY first_seen_at ASC, rowid ASC LIMIT ?"),
    deleteSender: db.prepare('DELETE FROM channel_senders WHERE type = ? AND account_id = ? AND sender_id = ?'),
    deleteSenders: db.prepare('DELETE FROM channel_senders WHERE type = ? AND account_id = ?'),
  };
  return {
    accounts: (): ChannelAccountRow[] => q.accounts.all() as ChannelAccountRow[],
    account: (type: string, accountId: string): ChannelAccountRow | undefined => q.account.get(type, accountId) as ChannelAccountRow | undefined,
    insertAccount: (type: string, accountId: string, config: string, now: number): void => void q.insertAccount.run(type, accountId, config, now, now),
    updateAccount: (type: string, accountId: string, config: string, now: number): boolean => q.updateAccount.run(config, now, type, accountId).changes === 1,
    /** Deletes the account and every sender record of it, in one transaction. */
    deleteAccount: db.transaction((type: string, accountId: string): boolean => {
      q.deleteSenders.run(type, accountId);
      return q.deleteAccount.run(type, accountId).changes === 1;
    }),
    sender: (type: string, accountId: string, senderId: string): ChannelSenderRow | undefined =>
      q.sender.get(type, accountId, senderId) as ChannelSenderRow | undefined,
    senders: (f: { type?: string; accountId?: string; limit?: number }): ChannelSenderRow[] =>
      q.senders.all({ type: f.type ?? null, account: f.accountId ?? null, limit: f.limit ?? 1000 }) as ChannelSenderRow[],
    insertSender: (s: { type: string; account_id: string; sender_id: string; kind: 'user' | 'group'; username: string | null; display_name: string;
      status: 'pending' | 'approved' | 'denied'; level: string | null; chat_id: string | null; chat_type: string | null; preview: string; now: number }): void =>
      void q.insertSender.run(s),
    /** Counts one more message and refreshes the names (they may change; the id does not). */
    seen: (s: { type: string; account_id: string; sender_id: string; username: string | null; display_name: string | null; chat_id: string | null; now: number }): void =>
      void q.seen.run(s),
    decide: (s: { type: string; account_id: string; sender_id: string; status: 'pending' | 'approved' | 'denied'; level: string | null; notified: boolean; now: number }): boolean =>
      q.decide.run({ ...s, notified: s.notified ? 1 : 0 }).changes === 1,
    setLevel: (type: string, accountId: string, senderId: string, level: string | null): boolean => q.setLevel.run(level, type, accountId, senderId).changes === 1,
    markNotified: (type: string, accountId: string, senderId: string): void => void q.notified.run(type, accountId, senderId),
    pendingCount: (type: string, accountId: string): number => (q.pendingCount.get(type, accountId) as { n: number }).n,
    oldestPending: (type: string, accountId: string, n: number): ChannelSenderRow[] => q.oldestPending.all(type, accountId, n) as ChannelSenderRow[],
    deleteSender: (type: string, accountId: string, senderId: string): boolean => q.deleteSender.run(type, accountId, senderId).changes === 1,
  };
}
export type ChannelsRepo = ReturnType<typeof createChannelsRepo>;
