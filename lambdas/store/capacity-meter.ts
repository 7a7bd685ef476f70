/**
 * Moved to `lambdas/observability/capacity-meter.ts` (the HTTP layer reads
 * the meter, and `http/` does not import `store/`). This re-export keeps
 * code written before the move compiling; import from observability/.
 * @deprecated import from `../observability/capacity-meter`.
 */
export * from '../observability/capacity-meter';
