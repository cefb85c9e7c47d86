/** Names numbered 0, 1, … in first-seen order: equal names, equal numbers. */
export class NameTable {
  /** names[n] is the name numbered n. */
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();

  /** The number of `name`, added as needed. */
  number(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.length;
      this.numbers.set(name, n);
      this.names.push(name);
    }
    return n;
  }

  clear(): void {
    this.names.length = 0;
    this.numbers.clear();
  }
}
