/** Awaits a promise that must reject with a BunsealError, and returns the error for assertions on its code and message. */
import { expect } from "bun:test";
import { BunsealError } from "../../src/errors.ts";

export async function rejection(promise: Promise<unknown>): Promise<BunsealError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BunsealError);
    return error as BunsealError;
  }
  throw new Error("expected a rejection, got success");
}
