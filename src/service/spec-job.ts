/** The messages between the server and its spec-checking worker thread (./spec-worker.ts), declared once. */

/** One problem of `POST /v1/check`, as the API reports it. */
export interface CheckProblem {
  task: string | null;
  code: string;
  message: string;
  resource?: string;
}

/** A job for the worker (specs cross as JSON text): define one inline spec, or check specs for /v1/check. */
export type SpecJob =
  | { kind: 'define'; specJson: string }
  | {
      kind: 'check';
      /** Each spec as JSON text (a structured clone of a value nested 30,000 deep would overflow the stack); null for one too deep to print. */
      specsJson: (string | null)[];
      /** Problems listed per spec; the rest are counted in `omitted`. */
      maxProblemsPerSpec: number;
      /** Characters of JSON the listed problems may take in all; the rest are counted. */
      maxAnswerChars: number;
    };

/** What the worker answers. A definition error keeps the TaskresError's fields. */
export type SpecJobResult =
  | { kind: 'define'; ok: true }
  | { kind: 'define'; ok: false; error: { code: string; message: string; taskName?: string | undefined; resource?: string | undefined } }
  | { kind: 'check'; problems: CheckProblem[]; omitted: number };
