/** Where records are appended (the Node side writes JSON lines to a file); a failed append throws. */
export interface RecordSink<R> {
	append(record: R): Promise<void>;
}
