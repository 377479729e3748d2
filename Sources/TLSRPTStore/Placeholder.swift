// Filled in by a later stage.
import GRDB
