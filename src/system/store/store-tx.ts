import type {NisoPaths} from '../../core/paths.js'
import {type StateDb, type StateTx, withState} from '../state/db.js'
import {type SweepReport, sweepStore} from './sweep.js'

/** A change to the store: the state lock held, crash leftovers swept, then `fn`. */
export function withStore<T>(
  paths: NisoPaths,
  fn: (db: StateDb, tx: StateTx, swept: SweepReport) => T | Promise<T>,
  command?: string,
): Promise<T> {
  return withState(
    paths,
    (db, tx) => {
      const swept = sweepStore(paths, db)
      return fn(db, tx, swept)
    },
    command === undefined ? {} : {command},
  )
}
