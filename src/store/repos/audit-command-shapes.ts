import type { Db } from '../db.js';

/** A session family as remembered: when first seen and how many commands it ran. */
export interface CommandFamilyRow { family: string; first_seen: number; last_seen: number; commands: number }

/**
 * Program names seen per session family (for the `exec.unusual_command` novelty rule). Bounded:
 * family keys carry chat and job ids an outsider can multiply, so beyond `maxFamilies` the least
 * recently active family is forgotten, and beyond `maxShapes` a family's least recently seen name.
 */
export function createCommandShapesRepo(db: Db) {
  const q = {
    family: db.prepare('SELECT family, first_seen, last_seen, commands FROM exec_command_families WHERE family = ?'),
    known: db.prepare('SELECT shape FROM exec_command_shapes WHERE family = ? AND shape IN (SELECT value FROM json_each(?))').pluck(),
    upsertFamily: db.prepare(`INSERT INTO exec_command_families (family, first_seen, last_seen, commands) VALUES (@family, @now, @now, 1)
      ON CONFLICT (family) DO UPDATE SET last_seen = excluded.last_seen, commands = commands + 1`),
    upsertShape: db.prepare(`INSERT INTO exec_command_shapes (family, shape, first_seen, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT (family, shape) DO UPDATE SET last_seen = excluded.last_seen`),
    shapeCount: db.prepare('SELECT COUNT(*) FROM exec_command_shapes WHERE family = ?').pluck(),
    evictShapes: db.prepare('DELETE FROM exec_command_shapes WHERE rowid IN (SELECT rowid FROM exec_command_shapes WHERE family = ? ORDER BY last_seen ASC, rowid ASC LIMIT ?)'),
    familyCount: db.prepare('SELECT COUNT(*) FROM exec_command_families').pluck(),
    oldestFamilies: db.prepare('SELECT family FROM exec_command_families ORDER BY last_seen ASC, rowid ASC LIMIT ?').pluck(),
    dropFamily: db.prepare('DELETE FROM exec_command_families WHERE family = ?'),
    dropShapes: db.prepare('DELETE FROM exec_command_shapes WHERE family = ?'),
  };
  const record = db.transaction((family: string, shapes: readonly string[], now: number, b: { maxShapes: number; maxFamilies: number }) => {
    q.upsertFamily.run({ family, now });
    for (const s of shapes) q.upsertShape.run(family, s, now, now);
    const extraShapes = (q.shapeCount.get(family) as number) - b.maxShapes;
    if (extraShapes > 0) q.evictShapes.run(family, extraShapes);
    const extraFamilies = (q.familyCount.get() as number) - b.maxFamilies;
    if (extraFamilies > 0) for (const f of q.oldestFamilies.all(extraFamilies) as string[]) { q.dropShapes.run(f); q.dropFamily.run(f); }
  });
  return {
    family: (family: string): CommandFamilyRow | null => (q.family.get(family) as CommandFamilyRow | undefined) ?? null,
    /** Which of `shapes` the family has seen. */
    known: (family: string, shapes: readonly string[]): Set<string> => new Set(q.known.all(family, JSON.stringify(shapes)) as string[]),
    /** Counts one command of the family and remembers its shapes (within the bounds). */
    record: (family: string, shapes: readonly string[], now: number, bounds: { maxShapes: number; maxFamilies: number }): void => record.immediate(family, shapes, now, bounds),
  };
}
export type CommandShapesRepo = ReturnType<typeof createCommandShapesRepo>;
