/** How a multipart upload is cut into parts: pure arithmetic on S3's limits. */
import { ValidationError } from "../errors.js";
import { DEFAULT_PART_BYTES, MAX_PARTS } from "./limits.js";

export interface PartPlan {
  partSize: number;
  partCount: number;
}

/**
 * How a file of `size` bytes is cut: `partSize` as asked, or the smallest of 8 MiB or more
 * that keeps the count within S3's 10,000 parts. At least one part (an empty file has one
 * empty part); more than 10,000 → 422.
 */
export function planParts(size: number, partSize?: number): PartPlan {
  const chosen = partSize ?? Math.max(DEFAULT_PART_BYTES, Math.ceil(size / MAX_PARTS));
  const partCount = Math.max(1, Math.ceil(size / chosen));
  if (partCount > MAX_PARTS) {
    throw new ValidationError([{ path: "partSize", message: `${chosen} bytes a part makes ${partCount} parts; S3 allows at most ${MAX_PARTS}` }]);
  }
  return { partSize: chosen, partCount };
}

/** The exact length of part `n` (1-based): `partSize`, but the last takes what is left. */
export const partLength = (size: number, plan: PartPlan, n: number) =>
  n < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);

