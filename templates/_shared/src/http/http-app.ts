import type { Server } from 'node:http';

/**
 * What the entry points and the tests need from a stack's app: its Node HTTP server, a way
 * to listen, and a close that finishes in-flight requests, then the container's connections.
 */
export interface HttpApp {
  server: Server;
  listen(host: string, port: number): Promise<void>;
  close(): Promise<void>;
}
