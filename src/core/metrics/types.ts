// Settings the dashboard's figures are computed with. The figures themselves cross to the webview and
// are defined in src/shared/dashboard.ts.

/** Cloud prices used to turn saved tokens into money, per million tokens (setting singularity.dashboard.cloudPrices). */
export interface CloudPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}
