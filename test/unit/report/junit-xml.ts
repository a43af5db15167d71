import { XMLParser } from 'fast-xml-parser';

/** JUnit XML as objects; suites and cases always lists, attributes as plain keys. */
export const junitParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase'].includes(name),
});
