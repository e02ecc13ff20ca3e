import type { ComponentChildren, JSX } from 'preact';

/** One column: its header and how a row fills its cell. */
export interface TableColumn<Row> {
  key: string;
  header: string;
  cell(row: Row): ComponentChildren;
  /** Right-aligned, no wrap (actions). */
  actions?: boolean;
}

/**
 * A data table with a caption (its accessible name), column headers, and a keyboard-scrollable
 * wrapper when it is wider than the page.
 */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
}: {
  caption: string;
  columns: readonly TableColumn<Row>[];
  rows: readonly Row[];
  rowKey(row: Row): string;
}): JSX.Element {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it
    <section class="pb-table-wrap" aria-label={caption} tabIndex={0}>
      <table class="pb-table">
        <caption class="pb-sr">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" class={c.actions ? 'pb-col-actions' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.key} class={c.actions ? 'pb-col-actions' : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
