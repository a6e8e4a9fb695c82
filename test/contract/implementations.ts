import { afterAll, beforeAll, it } from 'vitest';
import { startDynalite } from '../helpers/dynalite.js';

/** What an implementation's factory gives a suite: the store under test, and how to close what it started. */
export interface Opened<S> {
  store: S;
  close(): Promise<void>;
}

/** One implementation of a port, as a contract suite runs it (`describe.each` over a list of these). */
export interface Implementation<S, O extends Opened<S> = Opened<S>> {
  name: string;
  open(): Promise<O>;
  /**
   * Titles of contract cases this implementation is known to break: they run as `it.fails`
   * (so they fail the suite once fixed); the list names each defect in a comment.
   */
  breaks?: string[];
}

/** The memory implementation and the DynamoDB one (on a fresh dynalite with edgeim's tables). */
export function memoryAndDynamo<S>(memory: () => S, dynamo: (d: Awaited<ReturnType<typeof startDynalite>>) => S): Implementation<S>[] {
  return [
    { name: 'memory', open: async () => ({ store: memory(), close: async () => undefined }) },
    {
      name: 'DynamoDB (dynalite)',
      open: async () => {
        const d = await startDynalite();
        return { store: dynamo(d), close: d.close };
      },
    },
  ];
}

/**
 * Opens the implementation before the suite's cases and closes it after; `opened` gets
 * what it opened. Returns `contract`: `it`, or `it.fails` for a case the implementation breaks.
 */
export function useImplementation<S, O extends Opened<S>>(impl: Implementation<S, O>, opened: (o: O) => void): (title: string, body: () => Promise<void>) => void {
  let close: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const o = await impl.open();
    close = () => o.close();
    opened(o);
  });
  afterAll(() => close());
  return (title, body) => (impl.breaks?.includes(title) ? it.fails : it)(title, body);
}
