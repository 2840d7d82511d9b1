/**
 * A one-line terminal progress bar for the command-line interface: `[#####-----]  52% label`,
 * redrawn in place with `\r` and erased by done(). It draws only on a TTY; elsewhere (pipes, CI
 * logs) it writes nothing at all.
 */

/** The part of a writable stream the bar uses. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  /** Terminal width; the line is cut to fit when known. */
  columns?: number;
}

export interface ProgressBarOptions {
  /** Draw at all (default: `stream.isTTY === true`). */
  enabled?: boolean;
  /** Cells between the brackets (default 24). */
  width?: number;
}

export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly width: number;
  private readonly enabled: boolean;
  private label: string;
  private drawn = '';
  private finished = false;

  constructor(stream: ProgressStream, label: string, options: ProgressBarOptions = {}) {
    this.stream = stream;
    this.label = label;
    this.width = Math.max(4, Math.floor(options.width ?? 24));
    this.enabled = options.enabled ?? stream.isTTY === true;
  }

  /** Whether this bar writes anything. */
  get active(): boolean {
    return this.enabled && !this.finished;
  }

  /**
   * Redraws with `fraction` in [0, 1] done (clamped; NaN counts as 0) and an optional detail
   * after the label. Nothing is written when the line would not change.
   */
  update(fraction: number, detail?: string): void {
    if (!this.active) return;
    const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    const cells = Math.round(f * this.width);
    const pct = `${Math.floor(f * 100)}%`.padStart(4);
    let line = `[${'#'.repeat(cells)}${'-'.repeat(this.width - cells)}] ${pct} ${this.label}`;
    if (detail) line += `  ${detail}`;
    const cols = this.stream.columns;
    if (cols !== undefined && cols > 1 && line.length > cols - 1) line = line.slice(0, cols - 1);
    if (line === this.drawn) return;
    // Pad with spaces to cover a longer previous line, then draw from column 0.
    const pad = this.drawn.length > line.length ? ' '.repeat(this.drawn.length - line.length) : '';
    this.stream.write(`\r${line}${pad}`);
    this.drawn = line;
  }

  /** Changes the label (drawn with the next update). */
  setLabel(label: string): void {
    this.label = label;
  }

  /** Erases the line (when anything was drawn) and stops drawing. Safe to call twice. */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.drawn.length > 0) this.stream.write(`\r${' '.repeat(this.drawn.length)}\r`);
    this.drawn = '';
  }
}
