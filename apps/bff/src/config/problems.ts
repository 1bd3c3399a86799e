/**
 * One thing wrong with the configuration: which variable, what is wrong (never its value), how to fix it.
 * `loadConfig` stops on the first; `pnpm run doctor` lists them all.
 */
export interface ConfigProblem {
  variable: string;
  message: string;
  fix: string;
}

/** Collects problems while resolving, so one bad variable does not hide the next. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  add(variable: string, message: string, fix: string): undefined {
    this.items.push({ variable, message, fix });
    return undefined;
  }
  addAll(problems: ConfigProblem[]): void {
    this.items.push(...problems);
  }
}
