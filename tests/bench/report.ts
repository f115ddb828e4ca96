/**
 * One benchmark figure, as run.ts prints and saves it, and the `report` it hands each benchmark
 * module. `pass: null`: a figure reported for information, with no target of its own (INFO).
 */
export type BenchResult = {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: number;
  baselineUnit?: string;
  ratio?: number;
  target: string;
  pass: boolean | null;
  details?: Record<string, unknown>;
};

export type Report = (result: BenchResult, line: string) => void;
