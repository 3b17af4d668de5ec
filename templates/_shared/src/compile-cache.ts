import { enableCompileCache } from 'node:module';

/*
 * Imported first by the entry point, before any other module loads: V8 keeps the code it compiles
 * for every module in a cache on disk (NODE_COMPILE_CACHE, else the system's temporary folder),
 * and the next start reads it instead of compiling the dependencies again. Where that folder
 * cannot be written the start is as before: Node reports the failure in the value returned,
 * which nothing here needs.
 */
enableCompileCache();
