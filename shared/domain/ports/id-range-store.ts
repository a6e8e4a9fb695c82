/**
 * Step-allocated id ranges (Leaf "segment"). Contract: each call atomically reserves
 * `step` ids that no other call, in any process, ever gets; ranges of one name increase.
 */
export interface IdRangeStore {
  reserve(name: string, step: number): Promise<{ first: number; last: number }>;
}
