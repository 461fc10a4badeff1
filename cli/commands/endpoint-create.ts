/**
 * `aes endpoint create`: asks, in order, inbound or outbound; single or double phase; the name; the
 * WSDL; its operations for pop / popped / build / put (and the optional batch and lookup ones); the
 * destination. Every answer is also a flag; with all of them given it asks nothing, and without a
 * terminal a missing one is an error naming the flags. On a terminal a refused answer is asked
 * again and Tab completes the WSDL's path (cli/prompt.ts, cli/path-completer.ts).
 */
import type { Command } from 'commander';
import type { EndpointCreateFlags } from './endpoint-create-answers.js';
import { stdoutPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';
import { addTimeoutOption, withWsdlFetch, type TimeoutFlags } from '../wsdl-timeout.js';

const EXAMPLES: readonly Example[] = [
  { does: 'asks each answer on the terminal', line: 'aes endpoint create' },
  {
    does: 'an outbound endpoint, every answer a flag',
    line: 'aes endpoint create --kind outbound --phase single --name orders-out --wsdl wsdl/source-system.wsdl --pop Pop --popped Popped --destination /queue/orders',
  },
  {
    does: 'an outbound endpoint over Exchange (EWS), saying where a record id sits and where DeleteItem takes it',
    line: "aes endpoint create --kind outbound --phase single --name mail-out --wsdl wsdl/services.wsdl --pop FindItem --popped DeleteItem --id-field 'ResponseMessages.FindItemResponseMessage[].RootFolder.Items.Message[].ItemId.attributes.Id' --popped-id-field 'ItemIds.ItemId[].attributes.Id' --destination /queue/mail",
  },
  {
    does: 'an inbound endpoint whose put request has several text fields',
    line: 'aes endpoint create --kind inbound --name notes-in --wsdl wsdl/target-system.wsdl --put Put --payload-field note.body --message-id-field none --destination /queue/notes',
  },
  {
    does: 'an inbound endpoint from a WSDL by URL',
    line: 'aes endpoint create --kind inbound --name orders-in --wsdl https://erp.example/target?wsdl --allow-network --timeout 1m --put Put --destination /queue/orders',
  },
];

export function registerEndpointCreate(
  endpoint: Command,
  setExitCode: (code: number) => void,
): void {
  const command = addExamples(endpoint.command('create'), EXAMPLES)
    .description('add an endpoint to the project: typed client, endpoint class, config entry, test')
    .option('--project <dir>', 'the project folder', '.')
    .option('--kind <kind>', 'outbound (source FIFO to queue) or inbound (queue to target)')
    .option(
      '--phase <phase>',
      'outbound: single (pop returns the record) or double (pop an id, build the document)',
    )
    .option('--name <name>', "the endpoint's name (its folder; prefix of its message ids)")
    .option(
      '--wsdl <file|url>',
      'WSDL of the system the endpoint talks to (a file is copied into wsdl/)',
    )
    .option('--pop <operation>', 'outbound: the operation handing out the oldest record (or id)')
    .option('--popped <operation>', 'outbound: the operation removing a record')
    .option('--build <operation>', "double phase: the operation making a record's document")
    .option(
      '--pop-many <operation>',
      'outbound, optional: the operation handing out several records (batch mode)',
    )
    .option('--put <operation>', 'inbound: the operation taking one message')
    .option(
      '--put-many <operation>',
      'inbound, optional: the operation taking several messages (batch mode)',
    )
    .option(
      '--lookup <operation>',
      "inbound, optional: the target's operation telling whether it holds a message id, for alreadyDelivered() (default: one found by its name and shape; 'none' for no lookup)",
    )
    .option(
      '--id-field <path>',
      "outbound: where the pop response carries a record's id (a dot path, '[]' after lists: a.b[].id); needed when the scaffold has no clear evidence",
    )
    .option(
      '--payload-field <path>',
      "outbound single phase: where the pop response carries the payload (a field of the record, or the record itself: whole, as JSON; default: the one payload-named field, else the whole record); inbound: the put request's string field for the payload (JSON text)",
    )
    .option(
      '--popped-id-field <path>',
      'outbound: where the popped request takes the record id (default: the one field named as the record id, else the one id-like field)',
    )
    .option(
      '--build-id-field <path>',
      'double phase: where the build request takes the record id (default: as for --popped-id-field)',
    )
    .option(
      '--document-field <path>',
      "double phase: where the build response carries the record's document",
    )
    .option(
      '--message-id-field <path|none>',
      "inbound: where the put request takes the message id ('none': nowhere; default: the one field named messageId or like an id)",
    )
    .option(
      '--sample <file>',
      'a SOAP message captured from the real system, for the generated test to check the wiring against: outbound, a response of --pop; inbound, a request of --put that the target accepted',
    )
    .option(
      '--sample-ids <ids>',
      'outbound, with --sample: the ids of the records in it, oldest first, comma-separated, as the source system shows them',
    )
    .option(
      '--sample-popped <file>',
      "outbound, with --sample, optional: a request of --popped captured from the source, the one that removed the sample's first record",
    )
    .option(
      '--sample-payload <file>',
      'inbound, with --sample: a file holding the document (message body) the captured request carried',
    )
    .option(
      '--destination <destination>',
      'outbound: where records go; inbound: the queue consumed (/queue/<name> or /topic/<name>)',
    )
    .option(
      '--force',
      're-create an existing endpoint (its files are rewritten; its config entry is kept)',
    )
    .option('--allow-network', 'fetch a WSDL given as URL, and its imports');
  addTimeoutOption(command)
    .option('--json', 'print the endpoint created as JSON; asks nothing (every answer a flag)')
    .action(async (flags: EndpointCreateFlags & TimeoutFlags & { readonly json?: boolean }) => {
      // Questions on stdout would spoil its JSON: with --json a missing answer is an error.
      const interactive = flags.json !== true && process.stdin.isTTY && process.stdout.isTTY;
      const [{ createEndpoint }, { answers }] = await Promise.all([
        import('../../scaffold/index.js'),
        import('./endpoint-create-answers.js'),
      ]);
      const created = await withWsdlFetch(flags, flags.json === true, async (fetchOptions) =>
        createEndpoint(await answers(flags, interactive, fetchOptions), fetchOptions),
      );
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        setExitCode(0);
        return;
      }
      process.stdout.write(
        `${stdoutPaint()('success', `created endpoint '${created.name}'`)}\n${created.files.map((f) => `  ${f}\n`).join('')}${created.notes.map((n) => `note: ${n}\n`).join('')}`,
      );
      setExitCode(0);
    });
}
