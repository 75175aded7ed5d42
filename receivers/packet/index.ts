/** The `packet` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { packetSchema, type PacketConfig } from './config';
import { listInterfaces, missingInterfaces } from './interfaces';
import { missingMessage, PacketReceiver } from './receiver';

/** Problems the schema cannot see: a zero interval. */
export function validatePacketConfig(config: Partial<PacketConfig>): ConfigProblem[] {
  return nonPositiveDurations(config, ['collection_interval', 'interface_poll_interval']);
}

/** Why this machine cannot run the receiver with `config` (privileges, BTF, object, a named interface missing), or `undefined`. */
export function probePacket(config: Partial<PacketConfig>, sysClassNet?: string): string | undefined {
  const unmet = unmetBpfRequirement('packet', ['CAP_BPF', 'CAP_NET_ADMIN']);
  if (unmet) return unmet;
  let missing: string[];
  try {
    missing = missingInterfaces(config.interfaces ?? [], listInterfaces(sysClassNet));
  } catch (err) {
    return `cannot list network interfaces: ${(err as Error).message}`;
  }
  return missing.length > 0 ? missingMessage(missing) : undefined;
}

/** Packets, bytes and packet sizes per interface, direction and protocol from tc eBPF programs; optional top flows. */
export const packetReceiverFactory = defineReceiver<PacketConfig>({
  type: 'packet',
  signals: ['metrics'],
  schema: packetSchema,
  description: 'network packets, bytes and packet sizes per interface and protocol from tc eBPF programs; top flows',
  validate: (config) => validatePacketConfig(config),
  probe: (config) => probePacket(config),
  create: (config, ctx) => new PacketReceiver(config, ctx),
});
