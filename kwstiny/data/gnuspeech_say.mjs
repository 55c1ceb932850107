// A GnuSpeech server for kwstiny/data/gnuspeech.py: node gnuspeech_say.mjs PACKAGE_DIR
// PACKAGE_DIR is npm's @echogarden/gnuspeech-wasm. Each stdin line is a JSON request
// {"text", "voice", "tempo", "pitch_offset"}; each answer is one stdout line, {"wav": base64
// of a wav file} or {"error": message}. One process serves every request: loading the
// WebAssembly module takes longer than saying a word. The package's own synthesize() has
// no pitch setting, so this runs its module with a control-model file of our own.
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'

const packageDir = process.argv[2]
const { default: initialize } = await import(pathToFileURL(`${packageDir}/wasm/gnuspeech.js`).href)
const m = await initialize()

const dataDir = '/data/en'  // the English data the module embeds
const configFile = `${dataDir}/trm_control_model.txt`
const defaultConfig = new TextDecoder().decode(m.FS.readFile(configFile))

function configured(request) {
  // Random intonation and drift off: the same request gives the same audio.
  const settings = { voice_name: request.voice, tempo: request.tempo,
                     pitch_offset: request.pitch_offset, random_intonation: 0,
                     intonation_drift: 0 }
  let config = defaultConfig
  for (const [key, value] of Object.entries(settings)) {
    const line = new RegExp(`^${key} = .*$`, 'm')
    if (!line.test(config)) throw new Error(`no ${key} in ${configFile}`)
    config = config.replace(line, `${key} = ${value}`)
  }
  return config
}

function withCString(value, use) {
  const bytes = new TextEncoder().encode(value + '\0')
  const address = m._malloc(bytes.length)
  try {
    m.HEAPU8.set(bytes, address)
    return use(address)
  } finally {
    m._free(address)
  }
}

function say(request) {
  m.FS.writeFile(configFile, configured(request))
  withCString(request.text, (text) => withCString('/out.wav', (out) =>
    withCString(dataDir, (dir) => withCString('/out-params.txt', (params) =>
      m._GnuSpeech_synthesizeToFile(text, out, dir, params, 0)))))
  const wav = m.FS.readFile('/out.wav')
  m.FS.unlink('/out.wav')
  return Buffer.from(wav).toString('base64')
}

for await (const line of createInterface({ input: process.stdin })) {
  let answer
  try {
    answer = { wav: say(JSON.parse(line)) }
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
