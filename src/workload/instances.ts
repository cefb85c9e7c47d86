import type { KeyValue, Process } from '../model/index.js';
import { hashString, Random } from './random.js';

/**
 * Stable instance identities: a Kubernetes-style pod hostname, a UUID-shaped service.instance.id and
 * an IP, derived from the service name and instance index only (the same for every seed).
 */
export function instanceHostname(service: string, index: number): string {
  const rnd = new Random(hashString(`${service}#pod`));
  const replicaSet = rnd.hex(9).replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]);
  const pod = new Random(hashString(`${service}#${index}`)).hex(5).replace(/[0-9]/g, (d) => 'npqrstvwxz'[Number(d)]);
  return `${service}-${replicaSet}-${pod}`;
}

export function instanceProcess(service: string, index: number, language: string | undefined, version: string): Process {
  const rnd = new Random(hashString(`${service}#${index}#id`));
  const uuid = `${rnd.hex(8)}-${rnd.hex(4)}-4${rnd.hex(3)}-a${rnd.hex(3)}-${rnd.hex(12)}`;
  const tags: KeyValue[] = [
    { key: 'hostname', type: 'string', value: instanceHostname(service, index) },
    { key: 'service.instance.id', type: 'string', value: uuid },
    { key: 'ip', type: 'string', value: `10.${rnd.int(4) + 12}.${rnd.int(256)}.${rnd.int(254) + 1}` },
    { key: 'service.version', type: 'string', value: version },
  ];
  if (language) tags.push({ key: 'telemetry.sdk.language', type: 'string', value: language });
  return { serviceName: service, tags };
}
