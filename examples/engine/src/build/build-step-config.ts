import { posix } from 'node:path';
import type { ContainerConfig } from '@berth/image-spec';
import { badRequest } from '../api/api-error.js';
import { withEnv } from '../images/commit-changes.js';
import type { Instruction } from './instructions.js';
import { expandWord, expandWords, type Variables } from './variable-expansion.js';

/** Go's %q of a string list, as dockerd writes CMD/ENTRYPOINT into history (`["sh" "-c" "x"]`). */
export const goQuoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

export function portKey(port: string): string {
  if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(port)) throw badRequest(`invalid containerPort: ${port}`);
  return port.includes('/') ? port.toLowerCase() : `${port}/tcp`;
}

/** The shell command a shell-form instruction becomes, with the stage's SHELL. */
export function withShell(config: ContainerConfig, command: { exec: string[] } | { shell: string }): string[] {
  if ('exec' in command) return command.exec;
  return [...(config.Shell?.length ? config.Shell : ['/bin/sh', '-c']), command.shell];
}

/**
 * A config-only instruction applied to the stage's config: the new config and the history comment
 * dockerd writes (`ENV A=b`). Words are substituted with the stage's variables where Docker does.
 */
export function applyConfigStep(
  config: ContainerConfig,
  step: Instruction,
  vars: Variables,
  escape: string,
  cmdSet: boolean,
): { config: ContainerConfig; comment: string } {
  const out: ContainerConfig = { ...config };
  const word = (text: string) => expandWord(text, vars, escape);
  switch (step.kind) {
    case 'env': {
      const pairs = step.pairs.map(([k, v]) => [word(k), word(v)] as [string, string]);
      out.Env = withEnv(out.Env ?? [], pairs);
      return { config: out, comment: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'label': {
      const pairs = step.pairs.map(([k, v]) => [word(k), word(v)] as [string, string]);
      out.Labels = { ...(out.Labels ?? {}), ...Object.fromEntries(pairs) };
      return { config: out, comment: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'cmd': {
      out.Cmd = withShell(config, step.command);
      return { config: out, comment: `CMD ${goQuoted(out.Cmd)}` };
    }
    case 'entrypoint': {
      out.Entrypoint = withShell(config, step.command);
      // An ENTRYPOINT drops a CMD inherited from the base image (not one set in this stage).
      if (!cmdSet) out.Cmd = null;
      return { config: out, comment: `ENTRYPOINT ${goQuoted(out.Entrypoint)}` };
    }
    case 'shell':
      out.Shell = step.shell;
      return { config: out, comment: `SHELL ${goQuoted(step.shell)}` };
    case 'expose': {
      const ports = expandWords(step.text, vars, escape).map(portKey);
      out.ExposedPorts = { ...(out.ExposedPorts ?? {}), ...Object.fromEntries(ports.map((p) => [p, {}])) };
      return { config: out, comment: `EXPOSE ${Object.keys(out.ExposedPorts).sort().join(' ')}` };
    }
    case 'user':
      out.User = word(step.text);
      return { config: out, comment: `USER ${out.User}` };
    case 'stopsignal':
      out.StopSignal = word(step.text);
      return { config: out, comment: `STOPSIGNAL ${out.StopSignal}` };
    case 'volume': {
      const paths = step.paths.map(word).filter((p) => p !== '');
      if (paths.length === 0) throw badRequest('VOLUME specified can not be an empty string');
      out.Volumes = { ...(out.Volumes ?? {}), ...Object.fromEntries(paths.map((p) => [p, {}])) };
      return { config: out, comment: `VOLUME ${goQuoted(paths).replace(/"/g, '')}` };
    }
    case 'healthcheck': {
      if (step.check === 'none') out.Healthcheck = { Test: ['NONE'] };
      else out.Healthcheck = step.check;
      return { config: out, comment: `HEALTHCHECK ${JSON.stringify(out.Healthcheck)}` };
    }
    case 'onbuild':
      out.OnBuild = [...(out.OnBuild ?? []), step.trigger];
      return { config: out, comment: `ONBUILD ${step.trigger}` };
    case 'maintainer':
      return { config: out, comment: `MAINTAINER ${word(step.text)}` };
    case 'workdir':
      out.WorkingDir = posix.resolve(out.WorkingDir || '/', word(step.text));
      return { config: out, comment: `WORKDIR ${out.WorkingDir}` };
    default:
      throw new Error(`${step.kind} is not a config-only instruction`);
  }
}
