export declare function buildAction(outfile?: string): Promise<void>;
