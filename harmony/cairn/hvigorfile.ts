// Standard hvigor script of a HAR module: no custom tasks.
import { harTasks } from '@ohos/hvigor-ohos-plugin';

export default {
  system: harTasks,
  plugins: []
}
