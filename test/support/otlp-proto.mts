/**
 * A decoder for OTLP trace export requests in protobuf, enough for tests to
 * read what the SDK's protobuf exporter really sent. Field numbers are those
 * of opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto).
 */

type Field = { number: number; wire: number; value: bigint | Uint8Array };

function readVarint(buf: Uint8Array, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[pos.i++];
    if (byte === undefined) throw new Error('truncated varint');
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7n;
  }
}

function readFields(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = Number(readVarint(buf, pos));
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      fields.push({ number, wire, value: readVarint(buf, pos) });
    } else if (wire === 1) {
      const view = new DataView(buf.buffer, buf.byteOffset + pos.i, 8);
      fields.push({ number, wire, value: view.getBigUint64(0, true) });
      pos.i += 8;
    } else if (wire === 2) {
      const length = Number(readVarint(buf, pos));
      fields.push({ number, wire, value: buf.subarray(pos.i, pos.i + length) });
      pos.i += length;
    } else if (wire === 5) {
      const view = new DataView(buf.buffer, buf.byteOffset + pos.i, 4);
      fields.push({ number, wire, value: BigInt(view.getUint32(0, true)) });
      pos.i += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return fields;
}

const text = (value: Field['value']) => new TextDecoder().decode(value as Uint8Array);
const hex = (value: Field['value']) => Buffer.from(value as Uint8Array).toString('hex');
const bytes = (value: Field['value']) => value as Uint8Array;

export type AnyValue = string | number | boolean | AnyValue[] | null;

function decodeAnyValue(buf: Uint8Array): AnyValue {
  for (const field of readFields(buf)) {
    switch (field.number) {
      case 1: return text(field.value);
      case 2: return field.value === 1n;
      case 3: return Number(BigInt.asIntN(64, field.value as bigint));
      case 4: {
        const view = new DataView(new ArrayBuffer(8));
        view.setBigUint64(0, field.value as bigint, true);
        return view.getFloat64(0, true);
      }
      case 5:
        return readFields(bytes(field.value))
          .filter((f) => f.number === 1)
          .map((f) => decodeAnyValue(bytes(f.value)));
      case 7: return hex(field.value);
    }
  }
  return null;
}

function decodeAttributes(fields: Field[], number: number): Record<string, AnyValue> {
  const attributes: Record<string, AnyValue> = {};
  for (const field of fields.filter((f) => f.number === number)) {
    let key = '';
    let value: AnyValue = null;
    for (const kv of readFields(bytes(field.value))) {
      if (kv.number === 1) key = text(kv.value);
      if (kv.number === 2) value = decodeAnyValue(bytes(kv.value));
    }
    attributes[key] = value;
  }
  return attributes;
}

export interface DecodedEvent {
  name: string;
  attributes: Record<string, AnyValue>;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** SpanKind as in the proto: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, AnyValue>;
  status: { code: number; message: string };
  events: DecodedEvent[];
  links: { traceId: string; spanId: string; attributes: Record<string, AnyValue> }[];
  resource: Record<string, AnyValue>;
  scope: string;
}

function decodeSpan(buf: Uint8Array, resource: Record<string, AnyValue>, scope: string): DecodedSpan {
  const fields = readFields(buf);
  const span: DecodedSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: decodeAttributes(fields, 9),
    status: { code: 0, message: '' },
    events: [],
    links: [],
    resource,
    scope,
  };
  for (const field of fields) {
    switch (field.number) {
      case 1: span.traceId = hex(field.value); break;
      case 2: span.spanId = hex(field.value); break;
      case 4: span.parentSpanId = hex(field.value); break;
      case 5: span.name = text(field.value); break;
      case 6: span.kind = Number(field.value); break;
      case 7: span.startTimeUnixNano = field.value as bigint; break;
      case 8: span.endTimeUnixNano = field.value as bigint; break;
      case 11: {
        const eventFields = readFields(bytes(field.value));
        const name = eventFields.find((f) => f.number === 2);
        span.events.push({
          name: name ? text(name.value) : '',
          attributes: decodeAttributes(eventFields, 3),
        });
        break;
      }
      case 13: {
        const linkFields = readFields(bytes(field.value));
        const traceId = linkFields.find((f) => f.number === 1);
        const spanId = linkFields.find((f) => f.number === 2);
        span.links.push({
          traceId: traceId ? hex(traceId.value) : '',
          spanId: spanId ? hex(spanId.value) : '',
          attributes: decodeAttributes(linkFields, 4),
        });
        break;
      }
      case 15:
        for (const s of readFields(bytes(field.value))) {
          if (s.number === 2) span.status.message = text(s.value);
          if (s.number === 3) span.status.code = Number(s.value);
        }
        break;
    }
  }
  return span;
}

/** Decodes an `ExportTraceServiceRequest` into a flat list of spans. */
export function decodeTraceRequest(buf: Uint8Array): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  for (const resourceSpans of readFields(buf).filter((f) => f.number === 1)) {
    const rsFields = readFields(bytes(resourceSpans.value));
    const resourceField = rsFields.find((f) => f.number === 1);
    const resource = resourceField
      ? decodeAttributes(readFields(bytes(resourceField.value)), 1)
      : {};
    for (const scopeSpans of rsFields.filter((f) => f.number === 2)) {
      const ssFields = readFields(bytes(scopeSpans.value));
      const scopeField = ssFields.find((f) => f.number === 1);
      const scopeName = scopeField
        ? text(readFields(bytes(scopeField.value)).find((f) => f.number === 1)?.value ?? new Uint8Array())
        : '';
      for (const span of ssFields.filter((f) => f.number === 2)) {
        spans.push(decodeSpan(bytes(span.value), resource, scopeName));
      }
    }
  }
  return spans;
}

function jsonAnyValue(value: any): AnyValue {
  if (!value) return null;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(jsonAnyValue);
  return null;
}

function jsonAttributes(list: any[] | undefined): Record<string, AnyValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonAnyValue(kv.value)]));
}

/** Decodes the OTLP/JSON form of the same request. */
export function decodeTraceRequestJson(body: string): DecodedSpan[] {
  const request = JSON.parse(body);
  const spans: DecodedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: BigInt(s.startTimeUnixNano),
          endTimeUnixNano: BigInt(s.endTimeUnixNano),
          attributes: jsonAttributes(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          events: (s.events ?? []).map((e: any) => ({
            name: e.name,
            attributes: jsonAttributes(e.attributes),
          })),
          links: (s.links ?? []).map((l: any) => ({
            traceId: l.traceId,
            spanId: l.spanId,
            attributes: jsonAttributes(l.attributes),
          })),
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}
