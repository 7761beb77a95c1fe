import type { DatasetName } from './dataset-names.ts';
import { howToGetData } from './getting-the-data.ts';

export interface DatasetErrorDetails {
  /** The dataset being loaded; when known, the message ends with how to get its data. */
  readonly dataset?: DatasetName;
  /** The file (or folder) at fault. */
  readonly file?: string;
  /** What was wrong, with what was expected and what was found. */
  readonly problem: string;
  /** Places searched for the data, when none held it. */
  readonly searched?: readonly string[];
}

/**
 * A dataset that cannot be loaded: a missing, truncated or corrupt file, or no folder holding the data.
 * The message names the file, what was wrong (expected vs found) and how to get the data.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
  readonly dataset: DatasetName | undefined;
  readonly file: string | undefined;
  readonly problem: string;
  readonly searched: readonly string[];

  constructor(details: DatasetErrorDetails) {
    super(formatDatasetError(details));
    this.dataset = details.dataset;
    this.file = details.file;
    this.problem = details.problem;
    this.searched = details.searched ?? [];
  }

  /** The same error attributed to a dataset (so that the message says how to get its data). */
  forDataset(dataset: DatasetName): DatasetError {
    if (this.dataset === dataset) return this;
    return new DatasetError({ dataset, file: this.file, problem: this.problem, searched: this.searched });
  }
}

function formatDatasetError(d: DatasetErrorDetails): string {
  const head = [d.dataset, d.file].filter((part) => part !== undefined).join(': ');
  let message = head ? `${head}: ${d.problem}` : d.problem;
  if (d.searched && d.searched.length > 0) message += `\nPlaces searched:\n${d.searched.map((s) => `  - ${s}`).join('\n')}`;
  if (d.dataset) message += `\nTo get the data: ${howToGetData(d.dataset)}`;
  return message;
}
