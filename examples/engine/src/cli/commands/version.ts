import { hostPlatform } from '@berth/image-spec';
import type { Command } from 'commander';
import { ENGINE_VERSION } from '../../daemon/version.js';
import { CLIENT_API_VERSION } from '../api-client.js';
import type { CliContext } from '../context.js';
import { describeError, ExitStatus } from '../errors.js';
import { renderEach } from '../output/format.js';
import { ansicTime } from '../output/go-time.js';

interface ServerVersion {
  Platform?: { Name?: string };
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  Experimental?: boolean;
  BuildTime?: string;
}

const line = (indent: string, label: string, value: unknown) =>
  `${`${indent}${label}:`.padEnd(20)}${value ?? ''}\n`;

export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('Show the Berth version information')
    .option('-f, --format <template>', 'format the output using the given Go template')
    .action(async (options: { format?: string }) => {
      const client = ctx.client();
      const clientInfo = {
        Platform: { Name: 'Berth' },
        Version: ENGINE_VERSION,
        APIVersion: '',
        DefaultAPIVersion: CLIENT_API_VERSION,
        GitCommit: '',
        GoVersion: `node ${process.version}`,
        Os: 'linux',
        Arch: hostPlatform().architecture,
        BuildTime: '',
        Context: 'default',
        Experimental: true,
      };
      let server: ServerVersion | undefined;
      let failure: unknown;
      try {
        clientInfo.APIVersion = await client.apiVersion();
        server = await client.json<ServerVersion>('GET', '/version');
      } catch (err) {
        failure = err;
        clientInfo.APIVersion ||= CLIENT_API_VERSION;
      }
      if (options.format) {
        const serverData = server && {
          ...server,
          APIVersion: server.ApiVersion,
        };
        ctx.stdout.write(renderEach([{ Client: clientInfo, Server: serverData }], options.format));
      } else {
        let text = 'Client:\n';
        text += line(' ', 'Version', clientInfo.Version);
        text += line(' ', 'API version', clientInfo.APIVersion);
        text += line(' ', 'Go version', clientInfo.GoVersion);
        text += line(' ', 'Git commit', clientInfo.GitCommit);
        text += line(' ', 'Built', clientInfo.BuildTime);
        text += line(' ', 'OS/Arch', `${clientInfo.Os}/${clientInfo.Arch}`);
        text += line(' ', 'Context', clientInfo.Context);
        text += line(' ', 'Experimental', clientInfo.Experimental);
        if (server) text += `\n${serverText(server)}`;
        ctx.stdout.write(text);
      }
      if (failure) {
        ctx.stderr.write(`${describeError(failure)}\n`);
        throw new ExitStatus(1);
      }
    });
}

function serverText(server: ServerVersion): string {
  let text = `Server:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n`;
  for (const component of server.Components ?? []) {
    text += ` ${component.Name}:\n`;
    const details = component.Details ?? {};
    text += line('  ', 'Version', component.Version);
    if (component.Name === 'Engine') {
      text += line('  ', 'API version', `${details.ApiVersion} (minimum version ${details.MinAPIVersion})`);
      text += line('  ', 'Go version', details.GoVersion);
      text += line('  ', 'Git commit', details.GitCommit);
      text += line('  ', 'Built', details.BuildTime ? ansicTime(new Date(details.BuildTime)) : '');
      text += line('  ', 'OS/Arch', `${details.Os}/${details.Arch}`);
      text += line('  ', 'Experimental', details.Experimental ?? false);
    } else {
      for (const [key, value] of Object.entries(details)) text += line('  ', key, value);
    }
  }
  return text;
}
