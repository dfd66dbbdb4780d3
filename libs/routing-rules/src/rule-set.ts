import * as fs from 'fs';
import * as path from 'path';
import { Logger } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { RoutingRules } from '@pdp/contracts';
import { evaluate, irdpAllowed, loadRulesFile, RoutingDecision, RuleFacts } from './rules';

/** deploy/routing-rules.json from sources or from dist/. */
export function defaultRulesFile(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'deploy', 'routing-rules.json');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`deploy/routing-rules.json not found above ${__dirname}`);
}

/**
 * The rule set in force. Loaded (and validated) at start-up, so a bad file stops the app;
 * a reload validates the new file first and keeps the old rules when it is invalid.
 */
export class RuleSet {
  private current: RoutingRules;
  private readonly logger = new Logger('RoutingRules');

  constructor(
    private readonly file: string,
    private readonly contracts: ContractRegistry,
  ) {
    this.current = loadRulesFile(file, contracts);
    this.logger.log(`routing rules ${this.current.rulesVersion} loaded from ${file}`);
  }

  get rules(): RoutingRules {
    return this.current;
  }

  get version(): string {
    return this.current.rulesVersion;
  }

  /** Throws InvalidRulesError (rules unchanged) when the file is invalid. */
  reload(): { previousVersion: string; rulesVersion: string } {
    const next = loadRulesFile(this.file, this.contracts);
    const previousVersion = this.current.rulesVersion;
    this.current = next;
    this.logger.log(`routing rules reloaded: ${previousVersion} → ${next.rulesVersion}`);
    return { previousVersion, rulesVersion: next.rulesVersion };
  }

  evaluate(facts: RuleFacts): RoutingDecision {
    return evaluate(this.current, facts);
  }

  irdpAllowed(category: string, irdpConsent: boolean) {
    return irdpAllowed(this.current, category, irdpConsent);
  }
}
