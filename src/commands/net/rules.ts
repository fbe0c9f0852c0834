import {NisoCommand} from '../../ui/base-command.js'

export default class NetRules extends NisoCommand {
  static override summary = 'Show the nftables ruleset niso owns (table inet niso), live.'

  public async run(): Promise<object> {
    await this.parse(NetRules)
    const {liveRules} = await import('../../system/net/networks.js')
    const rules = await liveRules()
    if (!this.jsonEnabled()) this.log(rules.trimEnd() || 'No niso rules loaded (no service is attached)')
    return {table: 'inet niso', rules}
  }
}
