/** The logging seam: the extension passes its LogOutputChannel, the CLI a stderr logger, tests a silent one. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
