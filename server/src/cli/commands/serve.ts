import { Command } from 'commander';
import { errorMessage } from '../../errors.ts';
import { dataDir } from '../store-access.ts';

/** A comma-separated environment variable as its entries. */
function listOf(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** `backflow serve`: the editor and the API, until SIGINT or SIGTERM. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the editor and the API (runs flows, their schedules and resumes interrupted runs)')
    .option('--port <port>', 'port', '8787')
    .option('--host <host>', 'address to bind (anything but loopback needs BACKFLOW_TOKEN)', '127.0.0.1')
    .option('--max-runs <n>', 'runs executing at once; more wait as queued', '4')
    .option('--no-resume', 'do not resume runs that were running when the server stopped')
    .action(async (options: { port: string; host: string; maxRuns: string; resume: boolean }) => {
      const { serve } = await import('../../api/serve.ts');
      const env = process.env;
      const server = await serve({
        port: Number(options.port),
        host: options.host,
        dataDir: dataDir(),
        maxConcurrentRuns: Number(options.maxRuns),
        resumeInterrupted: options.resume,
        ...(env.BACKFLOW_TOKEN ? { token: env.BACKFLOW_TOKEN } : {}),
        ...(env.BACKFLOW_MAX_BODY_BYTES ? { maxBodyBytes: Number(env.BACKFLOW_MAX_BODY_BYTES) } : {}),
        ...(env.BACKFLOW_CORS_ORIGINS ? { corsOrigins: listOf(env.BACKFLOW_CORS_ORIGINS) } : {}),
        ...(env.BACKFLOW_ALLOWED_HOSTS ? { allowedHosts: listOf(env.BACKFLOW_ALLOWED_HOSTS) } : {}),
        ...(env.BACKFLOW_FILES_ROOTS ? { fileRoots: listOf(env.BACKFLOW_FILES_ROOTS) } : {}),
      });
      const stop = () => {
        console.error('backflow: stopping; active runs are interrupted and resume on the next start');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(`backflow: stopping failed: ${errorMessage(error)}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
