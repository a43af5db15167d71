import type { CommandDef } from './types.js';
import { attachInput, followLinksOutside, registryInputs } from './build-image.js';
import { REPORT_FILES_INPUT, REPORT_FORMATS, REPORT_OUTPUT } from './shared.js';

export const pushImage = {
  name: 'push-image',
  summary:
    'Promote an image by digest between registries, streaming blob by blob (nothing written to disk).',
  inputs: [
    {
      name: 'from',
      type: 'string',
      required: true,
      description:
        'Image to copy: `<registry>/<repo>:<tag>`, `<registry>/<repo>@sha256:…`, `oci:<dir>[:<tag>]`, `docker-archive:<path>[:<name>:<tag>]` or `docker-daemon:<name>:<tag>`.',
    },
    {
      name: 'to',
      type: 'list',
      required: true,
      description:
        'Destinations (`<registry>/<repo>:<tag>`, `oci:<dir>:<tag>`, `docker-archive:…`, `docker-daemon:…`); may repeat.',
    },
    attachInput,
    {
      ...followLinksOutside,
      description:
        'Attach `attach` files that are symbolic links leading out of the working directory. Off, such a link is refused (exit 2) before anything is copied, so a link a pull request made to a file on the runner (`/etc/shadow`, `~/.docker/config.json`) never ends up attached to an image. Links that stay inside the working directory are always followed.',
    },
    ...registryInputs,
    {
      name: 'format',
      type: 'choice',
      options: REPORT_FORMATS,
      default: 'terminal',
      description:
        'What goes to standard output; `json` prints `{"digest","image","size"}` (plus the report).',
    },
    REPORT_FILES_INPUT,
  ],
  outputs: [
    { name: 'digest', description: 'Manifest digest of the promoted image (`sha256:…`).' },
    REPORT_OUTPUT,
  ],
} as const satisfies CommandDef;
