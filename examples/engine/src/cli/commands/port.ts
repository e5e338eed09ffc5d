import { isIPv6 } from 'node:net';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';

type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

const address = (ip: string, port: string) => `${isIPv6(ip) ? `[${ip}]` : ip || '0.0.0.0'}:${port}`;

export function registerPort(program: Command, ctx: CliContext, name = 'port'): void {
  program
    .command(name)
    .description('List port mappings or a specific mapping for the container')
    .usage('CONTAINER [PRIVATE_PORT[/PROTO]]')
    .argument('<container>')
    .argument('[port]')
    .action(async (container: string, port: string | undefined) => {
      const info = await ctx
        .client()
        .json<{ NetworkSettings?: { Ports?: PortMap | null } }>(
          'GET',
          `/containers/${encodeURIComponent(container)}/json`,
        );
      const ports = info.NetworkSettings?.Ports ?? {};
      if (port) {
        const key = port.includes('/') ? port : `${port}/tcp`;
        const bindings = ports[key];
        if (!bindings?.length)
          throw new CliError(`Error: No public port '${key}' published for ${container}`);
        ctx.stdout.write(bindings.map((b) => `${address(b.HostIp, b.HostPort)}\n`).join(''));
        return;
      }
      const keys = Object.keys(ports).sort(
        (a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b),
      );
      for (const key of keys) {
        for (const b of ports[key] ?? []) ctx.stdout.write(`${key} -> ${address(b.HostIp, b.HostPort)}\n`);
      }
    });
}
