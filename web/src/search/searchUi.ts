// Whether the search box is open over the header on a narrow screen (where it is a button until
// opened; the room menu opens it too).
import { createStore } from "../lib/store";

export const searchExpanded = createStore(false);
