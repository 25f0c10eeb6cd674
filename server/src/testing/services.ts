/**
 * Tests against the real database servers (DESIGN: real parts): a suite needing one runs when it
 * answers, skips loudly on a laptop without it, and fails under `CI=true`, where a missing server is
 * a broken set-up, never a pass.
 */
import { connect } from 'node:net';
import { describe, it } from 'vitest';

export interface Service {
  name: string;
  host: string;
  port: number;
  /** How to start it, for the message a developer sees. */
  start: string;
}

export const postgresService: Service = {
  name: 'PostgreSQL',
  host: '127.0.0.1',
  port: 5432,
  start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};

export const mariadbService: Service = {
  name: 'MariaDB',
  host: '127.0.0.1',
  port: 3306,
  start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
};

const answers = new Map<string, Promise<boolean>>();

/** Whether the service accepts a TCP connection (asked once per process). */
export function serviceAnswers(service: Service): Promise<boolean> {
  const key = `${service.host}:${service.port}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = new Promise((resolve) => {
      const socket = connect({ host: service.host, port: service.port });
      socket.setTimeout(2000);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });
    answers.set(key, answer);
  }
  return answer;
}

/**
 * `describe` for a suite needing `services`: runs it when they all answer; otherwise skips it with a
 * warning naming what is down and how to start it, or, under CI=true, fails.
 */
export async function describeWithServices(
  title: string,
  services: readonly Service[],
  suite: () => void,
): Promise<void> {
  const down: Service[] = [];
  for (const service of services) if (!(await serviceAnswers(service))) down.push(service);
  if (down.length === 0) {
    describe(title, suite);
    return;
  }
  const message = down
    .map(
      (service) => `${service.name} is not answering on ${service.host}:${service.port} (start it: ${service.start})`,
    )
    .join('; ');
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs its database servers', () => {
        throw new Error(`${message}; under CI=true this fails instead of skipping`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPED "${title}": ${message}\n`);
  describe.skip(title, suite);
}
