/**
 * One section of the floor's test table: destructive shapes the floor must hold, and everyday
 * look-alikes it must let through. Rows are whole command lines as an agent would send them.
 */
export interface TableSection {
  category: string;
  destructive: readonly string[];
  benign: readonly string[];
}
