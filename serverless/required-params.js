'use strict';

/**
 * Refuses to package or deploy a stage while a param it cannot run without is empty.
 *
 * The functions read their settings at cold start (lib/shared/config.ts) and throw on an empty one, so a
 * stage deployed without `--param="sinchProjectId=…"` deploys cleanly and then fails every send. This
 * plugin turns that into an error before anything is built or uploaded, naming every missing param at
 * once. Which params are required, and which throwaway stages may keep the empty defaults, is declared in
 * serverless.yml:
 *
 *   custom:
 *     requiredParams:
 *       names: [sinchProjectId, sinchAppId, emailFrom]
 *       when:                       # optional: params required only while another param turns them on
 *         - param: secondarySmsProvider
 *           notIn: [none, '']
 *           names: [awsSmsOriginationIdentityArn, awsSmsConfigurationSet]
 *       exceptStages: [local, ci]
 *
 * The values are read with the precedence osls gives `${param:…}` (`--param` on the command line, then
 * `params.<stage>`, then `params.default`), from the configuration after variable resolution.
 */
class RequiredParams {
  constructor(serverless) {
    this.serverless = serverless;
    const check = () => this.check();
    this.hooks = {
      // The first event of `package`, also reached by `deploy` (which packages first), before the
      // previous package in .serverless/ is removed. `deploy --package <dir>` does not package: its
      // template was fixed, and checked, when that package was built.
      'before:package:cleanup': check,
      // `deploy function` updates a function's code and environment without packaging the service.
      'before:deploy:function:initialize': check,
    };
  }

  check() {
    const { serverless } = this;
    const settings = (serverless.service.custom || {}).requiredParams;
    if (!settings || !Array.isArray(settings.names) || settings.names.length === 0) {
      throw new serverless.classes.Error(
        'serverless/required-params needs custom.requiredParams.names in serverless.yml: the params a stage cannot run without.',
        'REQUIRED_PARAMS_NOT_CONFIGURED',
      );
    }
    const stage = serverless.getProvider('aws').getStage();
    if ((settings.exceptStages || []).includes(stage)) return;

    const declared = (serverless.configurationInput && serverless.configurationInput.params) || {};
    const conditional = [].concat(settings.when || []);
    for (const rule of conditional) {
      if (
        !rule ||
        typeof rule.param !== 'string' ||
        !Array.isArray(rule.names) ||
        !Array.isArray(rule.notIn)
      ) {
        throw new serverless.classes.Error(
          'custom.requiredParams.when takes items { param, notIn: [values], names: [params] }.',
          'REQUIRED_PARAMS_NOT_CONFIGURED',
        );
      }
    }
    const allNames = [...settings.names, ...conditional.flatMap((rule) => [rule.param, ...rule.names])];
    const undeclared = allNames.filter(
      (name) => !hasOwn(declared.default, name) && !hasOwn(declared[stage], name),
    );
    // A misspelt name would otherwise never be checked.
    if (undeclared.length > 0) {
      throw new serverless.classes.Error(
        `custom.requiredParams names params that serverless.yml does not declare: ${undeclared.join(', ')}.`,
        'REQUIRED_PARAMS_UNDECLARED',
      );
    }

    const values = resolvedParams(declared, serverless.processedInput.options.param, stage);
    const required = [
      ...settings.names,
      ...conditional
        .filter((rule) => !rule.notIn.map(String).includes(String(values[rule.param] ?? '').trim()))
        .flatMap((rule) => rule.names),
    ];
    const missing = missingParams(required, values);
    if (missing.length > 0) {
      throw new serverless.classes.Error(
        `Stage "${stage}" is missing required params: ${missing.join(', ')}. ` +
          'Pass them with --param="name=value" (README "Deploying a stage").',
        'REQUIRED_PARAMS_MISSING',
      );
    }
  }
}

function hasOwn(object, key) {
  return object != null && Object.hasOwn(object, key);
}

/**
 * The params of `stage` as `${param:…}` resolves them: a `--param="name=value"` wins over
 * `params.<stage>`, which wins over `params.default` (node_modules/serverless/lib/configuration/variables/
 * sources/instance-dependent/param.js).
 */
function resolvedParams(declared, cliParams, stage) {
  const values = { ...(declared.default || {}) };
  // As in osls, a stage's `name: null` (or `name: ~`) leaves the default in place.
  for (const [name, value] of Object.entries(declared[stage] || {})) if (value != null) values[name] = value;
  for (const item of [].concat(cliParams || [])) {
    // The pattern osls parses --param with; it refuses an item without a value itself.
    const match = /(?<key>[^=]+)=(?<value>.+)/.exec(String(item));
    if (match) values[match.groups.key] = match.groups.value.trimEnd();
  }
  return values;
}

/** The names whose value is absent, empty or only white space, in the order given. */
function missingParams(names, values) {
  return names.filter((name) => values[name] == null || String(values[name]).trim() === '');
}

module.exports = RequiredParams;
