import { resolve } from 'node:path';
import {
  attachToRegistries,
  checkAttachFiles,
  formatBytes,
  imageRefsBlocks,
  parallelInput,
  parseRefs,
  progressReporter,
  transportDeps,
} from '../image/command-support.js';
import { copyImage } from '../image/copy.js';
import { openSinks, openSource } from '../image/transports.js';
import { UsageError } from '../errors.js';
import { formatImageRef } from '../registry/reference.js';
import type { Report } from '../report/model.js';
import type { pushImage } from '../../inputs/push-image.js';
import type { InputsOf } from '../../inputs/types.js';
import type { CommandImpl } from './types.js';
import { plural } from '../text/plural.js';

/** push-image's inputs, typed by their one definition (defaults filled in by the parser). */
export type PushImageInputs = InputsOf<typeof pushImage>;

/** Promotes an image by digest: every blob streams from the source registry to each destination. */
export const pushImageCommand: CommandImpl<PushImageInputs> = async (inputs, deps) => {
  const fromText = inputs.from;
  if (!fromText) throw new UsageError('push-image needs --from', { place: { key: 'from' } });
  const from = parseRefs([fromText], 'from')[0]!;
  const to = parseRefs(inputs.to, 'to');
  if (to.length === 0)
    throw new UsageError('push-image needs at least one --to', { place: { key: 'to' } });
  const destinations = new Set(
    to.flatMap((ref) => (ref.transport === 'registry' ? [ref.registry] : [])),
  );
  const attachFiles = (inputs.attach ?? []).map((file) => resolve(deps.run.cwd, file));
  if (attachFiles.length > 0 && destinations.size === 0)
    throw new UsageError('attach needs a registry in --to: artifacts are attached in a registry', {
      place: { key: 'attach' },
      hint: 'OCI layouts, archives and the Docker engine have no referrers; push to a registry too.',
    });
  // Before anything is copied: a missing file found later would leave the tags moved, and a
  // link out of the working directory is refused as build-image refuses it.
  await checkAttachFiles(attachFiles, {
    root: deps.run.cwd,
    followOutside: inputs['follow-links-outside'],
  });
  const transport = transportDeps(inputs, deps, destinations);
  const source = await openSource(from, transport, 'from');
  if (!source) throw new UsageError('`scratch` has nothing to push', { place: { key: 'from' } });
  let result: Awaited<ReturnType<typeof copyImage>>;
  let targets: Awaited<ReturnType<typeof openSinks>>;
  try {
    targets = await openSinks(to, transport, 'to');
    result = await copyImage(
      source,
      targets,
      parallelInput(inputs),
      progressReporter(deps.logger, deps.clock, 'copied'),
    );
  } finally {
    await source.close?.();
  }
  const attached = await attachToRegistries(targets, result.manifest, attachFiles, undefined);
  const sent = Object.values(result.uploaded).reduce((sum, bytes) => sum + bytes, 0);
  const image = formatImageRef(to[0]!);
  const report: Report = {
    command: 'push-image',
    key: 'push-image',
    title: 'Image promoted',
    verdict: 'pass',
    // References stay out of the summary (escaped prose breaks them when copied): the code
    // blocks of the Image section hold them as they are.
    summary: `Copied the image to ${plural(to.length, 'destination')}: ${formatBytes(sent)} sent of ${formatBytes(result.size)}.`,
    notes: [],
    sections: [
      {
        title: 'Image',
        blocks: [
          { type: 'paragraph', content: ['Copied from:'] },
          { type: 'code', text: source.name },
          ...imageRefsBlocks(result.digest, to, []),
        ],
      },
      {
        title: 'Destinations',
        blocks: [
          {
            type: 'table',
            columns: [{ title: 'Destination' }, { title: 'Sent', align: 'right' }],
            rows: Object.entries(result.uploaded).map(([name, bytes]) => [
              name,
              formatBytes(bytes),
            ]),
          },
        ],
      },
    ],
    tests: [],
    measurements: [
      { name: 'image_bytes_written', value: sent, help: 'Bytes sent to the destinations' },
    ],
    outputs: { digest: result.digest },
    data: {
      digest: result.digest,
      image,
      size: result.size,
      destinations: to.map(formatImageRef),
      written: result.uploaded,
      attached,
    },
  };
  return { report, outputs: { digest: result.digest } };
};
