import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { renderEach } from '../output/format.js';
import { bytesSize } from '../output/units.js';

// biome-ignore lint/suspicious/noExplicitAny: /info is a wide, loosely typed document; we print what is there.
type Info = Record<string, any>;

export function registerInfo(program: Command, ctx: CliContext): void {
  program
    .command('info')
    .description('Display system-wide information')
    .option('-f, --format <template>', 'format the output using the given Go template')
    .action(async (options: { format?: string }) => {
      const info = await ctx.client().json<Info>('GET', '/info');
      const clientInfo = { Debug: false, Context: 'default', Plugins: [], Warnings: null };
      if (options.format) {
        ctx.stdout.write(renderEach([{ ...info, ClientInfo: clientInfo }], options.format));
        return;
      }
      ctx.stdout.write(`Client:\n Context:    default\n Debug Mode: false\n\n${serverText(info)}`);
      for (const warning of info.Warnings ?? []) ctx.stderr.write(`${warning}\n`);
    });
}

function serverText(info: Info): string {
  const lines: string[] = ['Server:'];
  const add = (indent: number, label: string, value?: unknown) =>
    lines.push(`${' '.repeat(indent)}${label}:${value === undefined ? '' : ` ${value}`}`);
  const list = (indent: number, label: string, values: unknown[] | undefined) => {
    add(indent, label);
    for (const v of values ?? []) lines.push(`${' '.repeat(indent + 1)}${v}`);
  };
  add(1, 'Containers', info.Containers);
  add(2, 'Running', info.ContainersRunning);
  add(2, 'Paused', info.ContainersPaused);
  add(2, 'Stopped', info.ContainersStopped);
  add(1, 'Images', info.Images);
  add(1, 'Server Version', info.ServerVersion);
  add(1, 'Storage Driver', info.Driver);
  for (const [key, value] of info.DriverStatus ?? []) add(2, key, value);
  add(1, 'Logging Driver', info.LoggingDriver);
  add(1, 'Cgroup Driver', info.CgroupDriver);
  add(1, 'Cgroup Version', info.CgroupVersion);
  add(1, 'Plugins');
  add(2, 'Volume', (info.Plugins?.Volume ?? []).join(' '));
  add(2, 'Network', (info.Plugins?.Network ?? []).join(' '));
  add(2, 'Log', (info.Plugins?.Log ?? []).join(' '));
  add(1, 'Swarm', info.Swarm?.LocalNodeState ?? 'inactive');
  add(1, 'Runtimes', Object.keys(info.Runtimes ?? {}).join(' '));
  add(1, 'Default Runtime', info.DefaultRuntime);
  add(1, 'Security Options');
  for (const option of info.SecurityOptions ?? []) {
    const fields = Object.fromEntries(
      String(option)
        .split(',')
        .map((kv) => kv.split('=') as [string, string]),
    );
    lines.push(`  ${fields.name ?? option}`);
    if (fields.profile) lines.push(`   Profile: ${fields.profile}`);
  }
  add(1, 'Kernel Version', info.KernelVersion);
  add(1, 'Operating System', info.OperatingSystem);
  add(1, 'OSType', info.OSType);
  add(1, 'Architecture', info.Architecture);
  add(1, 'CPUs', info.NCPU);
  add(1, 'Total Memory', bytesSize(info.MemTotal ?? 0));
  add(1, 'Name', info.Name);
  add(1, 'ID', info.ID);
  add(1, 'Berth Root Dir', info.DockerRootDir);
  add(1, 'Debug Mode', info.Debug ?? false);
  add(1, 'Registry', info.IndexServerAddress);
  list(1, 'Labels', info.Labels);
  add(1, 'Experimental', info.ExperimentalBuild ?? false);
  list(1, 'Insecure Registries', info.RegistryConfig?.InsecureRegistryCIDRs);
  if (info.RegistryConfig?.Mirrors?.length) list(1, 'Registry Mirrors', info.RegistryConfig.Mirrors);
  add(1, 'Live Restore Enabled', info.LiveRestoreEnabled ?? false);
  return `${lines.join('\n')}\n`;
}
