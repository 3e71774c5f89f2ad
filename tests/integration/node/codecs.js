// Registers the compression codecs kafkajs does not ship (it has only gzip):
// snappy from kafkajs-snappy, lz4 and zstd through small adapters over pure-JS
// libraries, so nothing needs a native build.
'use strict'

const { CompressionTypes, CompressionCodecs } = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const lz4 = require('lz4js')
const { ZstdCodec } = require('zstd-codec')

// zstd-codec initialises its Emscripten module asynchronously, once.
const zstdSimple = new Promise(resolve => ZstdCodec.run(zstd => resolve(new zstd.Simple())))

const Lz4Codec = () => ({
  async compress(encoder) {
    return Buffer.from(lz4.compress(encoder.buffer))
  },
  async decompress(buffer) {
    return Buffer.from(lz4.decompress(buffer))
  },
})

const ZstdCodecAdapter = () => ({
  async compress(encoder) {
    return Buffer.from((await zstdSimple).compress(encoder.buffer, 3))
  },
  async decompress(buffer) {
    const out = (await zstdSimple).decompress(buffer)
    if (out == null) throw new Error('zstd-codec could not decompress a frame')
    return Buffer.from(out)
  },
})

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = Lz4Codec
CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodecAdapter

const byName = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

module.exports = { compressionType: name => byName[name] }
