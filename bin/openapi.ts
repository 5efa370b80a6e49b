#!/usr/bin/env node
/** `npm run openapi`: writes `openapi.json` at the root from the route table (a test checks it is current). */
import { writeFileSync } from "node:fs";
import { openApiDocument } from "../functions/openapi.js";

const file = new URL("../openapi.json", import.meta.url);
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
