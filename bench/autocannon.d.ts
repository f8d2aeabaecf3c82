// The part of autocannon 8's API the ingress HTTP benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Request {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Record<string, string>;
    readonly body?: string;
  }
  interface Options {
    readonly url: string;
    readonly connections?: number;
    readonly amount?: number;
    readonly duration?: number;
    readonly timeout?: number;
    readonly requests?: readonly Request[];
  }
  interface Histogram {
    readonly average: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  }
  interface Result {
    readonly requests: Histogram & { readonly total: number };
    readonly latency: Histogram;
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
  }
  function autocannon(options: Options): Promise<Result>;
  export = autocannon;
}
